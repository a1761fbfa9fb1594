package gen.evo;

/** Evolution job POJO, v2 "pojo-add-field": v1 plus field c (long). */
public class Profile {
    public int a;
    public String b;
    public long c;

    public Profile() {}
}
