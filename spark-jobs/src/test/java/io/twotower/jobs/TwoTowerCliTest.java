package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command tree: every stage and every tool is a subcommand, and pipeline's order is fixed. */
class TwoTowerCliTest {

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
