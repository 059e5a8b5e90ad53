package hello;

/** The hello service: the same interface (and bytes) as rsbinder's example-hello. */
interface IHello {
    /** Answers with the text it was given. */
    String echo(String text);
}
