package io.twotower.jobs.notebooks;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.repl.SparkILoop;
import org.apache.spark.sql.SparkSession;
import scala.Option;
import scala.collection.JavaConverters;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;

/**
 * Spark's Scala REPL in this JVM, started as Zeppelin 0.11's Spark interpreter starts it (a {@link
 * SparkILoop} with class-based wrappers, {@code spark} and {@code sc} bound to an existing session,
 * then the same imports), so a note's {@code %spark} paragraphs run here as they run there.
 */
final class ScalaRepl implements AutoCloseable {

  /**
   * What Zeppelin's Spark interpreter runs after binding spark and sc (SparkScala212Interpreter).
   */
  private static final List<String> ZEPPELIN_IMPORTS =
      List.of(
          "import org.apache.spark.SparkContext._",
          "import spark.implicits._",
          "import spark.sql",
          "import org.apache.spark.sql.functions._");

  private final StringWriter output = new StringWriter();
  private final SparkILoop loop;
  private final IMain repl;

  /** A REPL whose compiler sees {@code classpath} and whose {@code spark} is {@code spark}. */
  ScalaRepl(SparkSession spark, String classpath) {
    Settings settings = new Settings();
    // Zeppelin and spark-shell compile each line into a class, not an object, so that closures
    // over REPL values serialize.
    if (!(Boolean) settings.processArgumentString("-Yrepl-class-based").productElement(0)) {
      throw new IllegalStateException("the Scala compiler refused -Yrepl-class-based");
    }
    settings.classpath().value_$eq(classpath);
    loop = new SparkILoop(Option.empty(), new PrintWriter(output, true));
    loop.settings_$eq(settings);
    loop.createInterpreter();
    repl = loop.intp();
    repl.initializeSynchronous();
    bind("spark", SparkSession.class, spark);
    bind("sc", SparkContext.class, spark.sparkContext());
    for (String line : ZEPPELIN_IMPORTS) {
      interpret(line);
    }
  }

  /**
   * Runs one paragraph; returns what the REPL printed for it (definitions, values), or throws with
   * that output when it did not compile or threw.
   */
  String interpret(String code) {
    output.getBuffer().setLength(0);
    Results.Result result = repl.interpret(code);
    String printed = output.toString();
    if (!(result instanceof Results.Success$)) {
      throw new AssertionError(
          "the Scala REPL answered " + result + " to:\n" + code + "\n" + printed);
    }
    return printed;
  }

  private void bind(String name, Class<?> type, Object value) {
    Results.Result result =
        repl.bind(
            name,
            type.getName(),
            value,
            JavaConverters.asScalaBuffer(List.of("@transient")).toList());
    if (!(result instanceof Results.Success$)) {
      throw new IllegalStateException("could not bind " + name + ": " + output);
    }
  }

  @Override
  public void close() {
    loop.closeInterpreter();
  }
}
