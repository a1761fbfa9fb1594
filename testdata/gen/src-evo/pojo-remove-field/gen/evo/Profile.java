package gen.evo;

/** Evolution job POJO, v2 "pojo-remove-field": v1 without field b. */
public class Profile {
    public int a;

    public Profile() {}
}
