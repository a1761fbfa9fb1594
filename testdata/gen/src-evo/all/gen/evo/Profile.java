package gen.evo;

/** Evolution job POJO, v2 "all": field b removed, field c (long) added. */
public class Profile {
    public int a;
    public long c;

    public Profile() {}
}
