package io.twotower.jobs;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.tables.DeltaStore;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command tree, one subcommand per {@link Stages} entry. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new TwoTowerCli());
    for (Stages stage : Stages.values()) {
      // Standalone subcommands (benchmarks) bring their own options and need no session here.
      CommandLine sub =
          new CommandLine(
              stage
                  .standaloneCommand()
                  .<Object>map(c -> c)
                  .orElseGet(() -> new StageCommand(stage)));
      sub.getCommandSpec().usageMessage().description(stage.description());
      cli.addSubcommand(stage.command(), sub);
    }
    cli.setExecutionExceptionHandler(
        (error, command, parseResult) -> {
          Throwable root = error;
          while (!(root instanceof JobException) && root.getCause() != null) {
            root = root.getCause();
          }
          if (root instanceof JobException) {
            command
                .getErr()
                .println("two-tower " + command.getCommandName() + " failed: " + root.getMessage());
            return 2;
          }
          throw error;
        });
    return cli;
  }

  /** Options every stage takes. */
  @Command(mixinStandardHelpOptions = true, sortOptions = false)
  static final class StageCommand implements Callable<Integer> {

    private final Stages stage;

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
      try {
        DeltaStore store = new DeltaStore(spark, jobConfig.dataDir());
        // Every stage reports its wall time here, once, rather than each job timing itself.
        ProgressReporter.console()
            .timed(stage.command(), () -> stage.stage().run(store, jobConfig, dates));
        return 0;
      } finally {
        spark.stop();
      }
    }

    private DateRange dates() {
      if (date != null && (from != null || to != null)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--date cannot be combined with --from/--to");
      }
      return date != null ? DateRange.day(date) : new DateRange(from, to);
    }
  }
}
