package io.twotower.jobs;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.spark.StoppedSessionWatch;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.sampling.SamplingThrowable;
import io.twotower.towers.TowerThrowable;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The jar's one entry point: {@code two-tower <stage> [options]}. Each subcommand loads the config,
 * builds a SparkSession (or joins the one spark-submit started) and runs one {@link Stage}; {@code
 * pipeline} runs them all in order.
 */
@Command(
    name = "two-tower",
    mixinStandardHelpOptions = true,
    version = "two-tower 0.1.0",
    description =
        "Sampling-bias-corrected two-tower retrieval (Yi et al., RecSys 2019) on Spark + Delta.",
    subcommandsRepeatable = false)
public final class TwoTowerCli implements Runnable {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On an error, print its stack trace too (expected errors print one line).")
  boolean verbose;

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** Exit code of an expected error (bad config, missing input): the user can fix it. */
  static final int EXPECTED_ERROR = 2;

  /** How long a stage may run on after Spark stopped its session before the CLI ends it. */
  static final Duration HANG_AFTER_STOP = Duration.ofSeconds(60);

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command tree: one subcommand per {@link Stages} entry, then one per {@link Tools} entry.
   */
  public static CommandLine commandLine() {
    TwoTowerCli root = new TwoTowerCli();
    CommandLine cli = new CommandLine(root);
    for (Stages stage : Stages.values()) {
      add(cli, stage.command(), stage.description(), new StageCommand(stage));
    }
    for (Tools tool : Tools.values()) {
      add(cli, tool.command(), tool.description(), tool.newCommand());
    }
    // After the subcommands, so that they all get it: picocli's own message for a bad date names
    // the parser's exception class, this one only the value and the format.
    cli.registerConverter(LocalDate.class, TwoTowerCli::date);
    cli.setExecutionExceptionHandler(root::onError);
    cli.setParameterExceptionHandler(root::onBadParameter);
    return cli;
  }

  private static void add(CommandLine cli, String name, String description, Object command) {
    CommandLine sub = new CommandLine(command);
    sub.getCommandSpec().usageMessage().description(description);
    cli.addSubcommand(name, sub);
  }

  /**
   * An error while a stage runs. Expected errors (bad config, missing tables, invalid inputs: the
   * ones the modules' error factories build) print one line; anything else is a bug and prints its
   * stack trace. Spark wraps an error thrown in a task, so the cause chain is searched.
   */
  private int onError(Exception error, CommandLine command, ParseResult parseResult) {
    PrintWriter err = command.getErr();
    String stage = command.getCommandSpec().qualifiedName();
    Optional<String> expected = expectedError(error);
    if (expected.isEmpty()) {
      err.println(stage + ": unexpected error (a bug; please report it with this trace):");
      error.printStackTrace(err);
      err.flush();
      return command.getCommandSpec().exitCodeOnExecutionException();
    }
    err.println(stage + ": " + expected.get());
    if (verbose) {
      error.printStackTrace(err);
    }
    err.flush();
    return EXPECTED_ERROR;
  }

  /**
   * A bad option or argument (e.g. {@code --date 2026-13-45}): one line and where to find the
   * options, instead of picocli's default of the message followed by the whole usage text.
   */
  private int onBadParameter(ParameterException error, String[] args) {
    CommandLine command = error.getCommandLine();
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    String suggestions = "";
    if (error instanceof UnmatchedArgumentException unmatched
        && !unmatched.getSuggestions().isEmpty()) {
      suggestions = " (did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?)";
    }
    err.println(
        name
            + ": "
            + JobException.oneLine(error.getMessage())
            + suggestions
            + "; see `"
            + name
            + " --help`");
    if (verbose) {
      error.printStackTrace(err);
    }
    err.flush();
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  private static LocalDate date(String value) {
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a date as yyyy-MM-dd (e.g. 2026-01-31)");
    }
  }

  /** The one-line text of the first expected error in {@code error}'s cause chain, if any. */
  static Optional<String> expectedError(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof JobException job) {
        return Optional.of(job.oneLine());
      }
      if (t instanceof TowerThrowable || t instanceof SamplingThrowable) {
        return Optional.of(JobException.oneLine(t.getMessage()));
      }
    }
    // A memory limit of the configuration, reached (JavaCPP puts its reason in the innermost
    // cause).
    Throwable innermost = error;
    while (innermost.getCause() != null) {
      innermost = innermost.getCause();
    }
    if (innermost instanceof OutOfMemoryError limit) {
      return Optional.of(JobErrors.memoryLimit(limit).oneLine());
    }
    return Optional.empty();
  }

  /** Options every stage takes. */
  @Command(mixinStandardHelpOptions = true, sortOptions = false)
  static final class StageCommand implements Callable<Integer> {

    private final Stages stage;

    @Spec CommandSpec spec;

    @Mixin ConfigOptions configOptions = new ConfigOptions();

    @Option(
        names = "--date",
        paramLabel = "yyyy-MM-dd",
        description = "Work on this day only (e.g. Airflow's {{ ds }}).")
    LocalDate date;

    @Option(
        names = "--from",
        paramLabel = "yyyy-MM-dd",
        description = "First day of a range (inclusive).")
    LocalDate from;

    @Option(
        names = "--to",
        paramLabel = "yyyy-MM-dd",
        description = "Last day of a range (inclusive).")
    LocalDate to;

    StageCommand(Stages stage) {
      this.stage = stage;
    }

    @Override
    public Integer call() {
      JobConfig jobConfig = configOptions.load();
      DateRange dates = dates();
      SparkSession spark = SparkSessions.create(jobConfig.spark());
      StoppedSessionWatch watch =
          StoppedSessionWatch.start(
              spark.sparkContext(), HANG_AFTER_STOP, () -> exitStopped(spark.sparkContext()));
      try {
        DeltaStore store =
            new DeltaStore(spark, jobConfig.dataDir(), configOptions.dataDirSource(jobConfig));
        // Every stage reports its wall time here, once, rather than each job timing itself.
        ProgressReporter.console().timed(stage.command(), () -> stage.run(store, jobConfig, dates));
        return 0;
      } catch (Exception e) {
        // Spark stopped the session under the stage (a master that refused this driver gives up
        // while the stage's first steps run): what failed says only "stopped SparkContext" or
        // names a block file Spark deleted as it stopped.
        if (spark.sparkContext().isStopped()) {
          throw JobErrors.sessionStopped(spark.sparkContext().master(), e);
        }
        throw e;
      } finally {
        watch.close();
        spark.stop();
      }
    }

    /**
     * Spark stopped the session and the stage has hung in Spark since (see {@link
     * StoppedSessionWatch}): the one line the stage would have ended with, and the exit code.
     */
    private void exitStopped(SparkContext context) {
      PrintWriter err = spec.commandLine().getErr();
      JobException stopped =
          JobErrors.sessionStopped(
              context.master(),
              new IllegalStateException(
                  "the stage hung in Spark for " + HANG_AFTER_STOP.toSeconds() + " s after it"));
      err.println(spec.qualifiedName() + ": " + stopped.oneLine());
      err.flush();
      System.exit(EXPECTED_ERROR);
    }

    private DateRange dates() {
      if (date != null && (from != null || to != null)) {
        throw new ParameterException(
            spec.commandLine(), "--date cannot be combined with --from/--to");
      }
      return date != null ? DateRange.day(date) : new DateRange(from, to);
    }
  }
}
