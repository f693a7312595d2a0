package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.sampling.AggregateSettings;
import io.twotower.sampling.ProbabilityKind;
import io.twotower.towers.InBatchSoftmaxLoss;
import io.twotower.towers.LogQCorrection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command tree (every stage, then every tool) and what a user sees when a command fails: one
 * line on stderr and a non-zero exit for an expected error, the stack trace only with --verbose or
 * for a bug. Every case here fails before a Spark session starts; a missing table (which needs one)
 * is in {@code TwoTowerCliIT}.
 */
class TwoTowerCliTest {

  @TempDir Path scratch;

  /** The output of one run of the command line. */
  record Run(int exitCode, String out, String err) {
    String[] errLines() {
      return err.lines().toArray(String[]::new);
    }
  }

  @Test
  void aMemoryLimitOfTheConfigurationIsAnExpectedErrorThatSaysWhatToRaise() {
    // As JavaCPP fails an allocation past maxphysicalbytes, inside a Spark task.
    OutOfMemoryError allocation =
        new OutOfMemoryError(
            "Cannot allocate new LongPointer(1): totalBytes = 42716K, physicalBytes = 7181M");
    allocation.initCause(
        new OutOfMemoryError(
            "Physical memory usage is too high: physicalBytes (7181M) > maxPhysicalBytes (7168M)"));
    assertThat(TwoTowerCli.expectedError(new RuntimeException("Job aborted", allocation)))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .startsWith("ND4J reached the memory limit the configuration sets")
                    .contains("maxPhysicalBytes (7168M)")
                    .contains("JAVA_OPTS=\"-Xmx6g"));
    assertThat(
            TwoTowerCli.expectedError(
                new RuntimeException(new OutOfMemoryError("Java heap space"))))
        .hasValueSatisfying(line -> assertThat(line).startsWith("The Java heap (-Xmx) is full"));
    assertThat(TwoTowerCli.expectedError(new IllegalStateException("a bug"))).isEmpty();
  }

  @Test
  void aBadDateIsOneLineWithoutUsageOrTrace() {
    Run run = run("train", "--date", "2026-13-45");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower train: Invalid value for option '--date': '2026-13-45' is not a date as"
                + " yyyy-MM-dd (e.g. 2026-01-31); see `two-tower train --help`");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void aMistypedOptionIsOneLineWithTheNearestOption() {
    Run run = run("train", "--dat", "2026-01-01");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower train: Unknown options: '--dat', '2026-01-01' (did you mean --data-dir or"
                + " --date?); see `two-tower train --help`");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void dateWithARangeIsOneLine() {
    Run run = run("sampling", "--date", "2026-01-01", "--from", "2026-01-01");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower sampling: --date cannot be combined with --from/--to;"
                + " see `two-tower sampling --help`");
  }

  @Test
  void aMissingConfigFileIsOneLineNamingTheFileAndTheFix() {
    Path missing = scratch.resolve("nowhere.conf");

    Run run = run("train", "--config", missing.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower train: Config file not found at "
                + missing.toAbsolutePath()
                + " (--config names a file that does not exist; relative paths start from "
                + Path.of("").toAbsolutePath()
                + "); fix: pass an existing file to --config");
  }

  @Test
  void aBadConfigValueAndAnEmptyDateRangeAreOneLineEach() {
    Run badValue = run("train", "--set", "train.mixed-negatives=-1");
    Run emptyRange = run("features", "--from", "2026-02-01", "--to", "2026-01-01");

    assertThat(badValue.exitCode()).isEqualTo(2);
    assertThat(badValue.errLines())
        .containsExactly(
            "two-tower train: Invalid config value two-tower.train.mixed-negatives = -1"
                + " (allowed: a whole number >= 0); fix: set two-tower.train.mixed-negatives in"
                + " your .conf file or with --set two-tower.train.mixed-negatives=<value>");
    assertThat(emptyRange.exitCode()).isEqualTo(2);
    assertThat(emptyRange.errLines())
        .containsExactly(
            "two-tower features: Empty date range 2026-02-01 .. 2026-01-01 (--from is after --to);"
                + " fix: pass --from <= --to, or a single --date");
  }

  @Test
  void anUnknownConfigKeyIsOneLineNamingTheNearestKey() {
    Run run = run("train", "--set", "train.epochz=3");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower train: Unknown config key two-tower.train.epochz; did you mean"
                + " two-tower.train.epochs? (reference.conf declares no such key; it was set in"
                + " --set); fix: correct or remove it; reference.conf lists every key with its"
                + " default");
  }

  @Test
  void verbosePrintsTheTraceAfterTheLineWhereverItIsGiven() {
    Path missing = scratch.resolve("nowhere.conf");

    for (String[] args :
        new String[][] {
          {"--verbose", "train", "--config", missing.toString()},
          {"train", "--config", missing.toString(), "--verbose"}
        }) {
      Run run = run(args);

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.errLines()[0]).startsWith("two-tower train: Config file not found at ");
      assertThat(run.err())
          .contains(JobException.class.getName() + ": Config file not found")
          // The trace starts where the job threw, not in the factory that worded the error.
          .contains(
              "fix:   pass an existing file to --config\n\tat io.twotower.jobs.config.ConfigLoader.load(");
    }
  }

  @Test
  void aTowersErrorIsOneLineEvenWhenWrappedAsSparkWrapsTaskFailures() {
    Run run = runThrowing(() -> new InBatchSoftmaxLoss(8, 0.0, LogQCorrection.PAPER, false), true);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower failing: Invalid temperature: got 0.0; allowed: a finite number > 0,"
                + " e.g. 0.05. Fix the temperature setting.");
  }

  @Test
  void aSamplingErrorIsOneLine() {
    Run run =
        runThrowing(() -> new AggregateSettings(0, 7, 1e-6, ProbabilityKind.EXPECTED_COUNT), false);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower failing: batchSize = 0 is invalid. Cause: the value is outside what the"
                + " estimator can use. Fix: set batchSize to an integer >= 1.");
  }

  @Test
  void aBugStillShowsItsStackTrace() {
    Run run =
        runThrowing(
            () -> {
              throw new IllegalStateException("an invariant broke");
            },
            false);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()[0]).startsWith("two-tower failing: unexpected error (a bug");
    assertThat(run.err())
        .contains("java.lang.IllegalStateException: an invariant broke")
        .contains("\tat io.twotower.jobs.TwoTowerCliTest");
  }

  static Run run(String... args) {
    return run(TwoTowerCli.commandLine(), args);
  }

  /**
   * Runs a subcommand added for the test whose work throws what {@code failure} throws, wrapped in
   * a RuntimeException (as Spark wraps an exception of a task) when {@code wrapped}.
   */
  private static Run runThrowing(Callable<?> failure, boolean wrapped) {
    CommandLine cli = TwoTowerCli.commandLine();
    cli.addSubcommand("failing", new Failing(failure, wrapped));
    return run(cli, "failing");
  }

  private static Run run(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exitCode = cli.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Command
  record Failing(Callable<?> failure, boolean wrapped) implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      try {
        failure.call();
      } catch (RuntimeException e) {
        throw wrapped ? new RuntimeException("Job aborted due to stage failure", e) : e;
      }
      return 0;
    }
  }

  @Test
  void registersEveryStageThenEveryTool() {
    CommandLine cli = TwoTowerCli.commandLine();

    assertThat(cli.getSubcommands().keySet())
        .containsExactly(
            "generate",
            "ingest",
            "features",
            "sampling",
            "train",
            "evaluate",
            "export",
            "pipeline",
            "simulate-sampling",
            "bench-sampling-aggregate",
            "bench-daily",
            "bench-soak",
            "bench-training",
            "compare");
    Object compare = cli.getSubcommands().get("compare").getCommand();
    assertThat(compare).isInstanceOf(io.twotower.jobs.bench.CompareModelsCommand.class);
    assertThat(cli.getSubcommands().get("train").getCommandSpec().usageMessage().description())
        .containsExactly(Stages.TRAIN.description());
  }

  @Test
  void pipelineRunsTheStagesAfterGenerateInOrder() {
    assertThat(Stages.pipelineOrder())
        .containsExactly(
            Stages.INGEST,
            Stages.FEATURES,
            Stages.SAMPLING,
            Stages.TRAIN,
            Stages.EVALUATE,
            Stages.EXPORT);
  }
}
