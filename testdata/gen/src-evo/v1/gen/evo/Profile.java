package gen.evo;

/** Evolution job POJO, version 1: fields a (int) and b (String). */
public class Profile {
    public int a;
    public String b;

    public Profile() {}
}
