package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.twotower.jobs.bench.StageTimes.Category;
import io.twotower.towers.CategoricalField;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.TowerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench-training's pure parts: FLOP counting, VmHWM parsing, epoch rates, stage categories. */
class BenchTrainingTest {

  /** The issue's model on MovieLens: towers [256, 64], 64-d ids, genres and year at 16-d each. */
  private static final TowerConfig ISSUE_MODEL =
      TowerConfig.builder()
          .itemCardinality(9_000)
          .historyLength(50)
          .itemEmbeddingDim(64)
          .itemFields(
              List.of(
                  new CategoricalField("genres", 20, 10, 16),
                  new CategoricalField("year", 110, 1, 16)))
          .queryHiddenSizes(List.of(256))
          .itemHiddenSizes(List.of(256))
          .outputDim(64)
          .temperature(0.1)
          .correction(LogQCorrection.PAPER)
          .maskAccidentalHits(true)
          .optimizer(Optimizer.ADAM)
          .learningRate(0.002)
          .seed(42L)
          .seedItem(false)
          .build();

  @Test
  void countsSixFlopsPerWeightPerExampleAndTheLogitsOnTop() {
    TrainingFlops flops = TrainingFlops.of(ISSUE_MODEL, 1024, 0);

    // Dense layers: forward, weight gradient and input gradient, 2 * in * out each per row:
    // 6 * (64*256 + 256*64 + 96*256 + 256*64) = 6 * 73,728 = 442,368 per example. Logits: one
    // [B, 64] x [64, B] forward and two [B, B] x [B, 64] backward, 6 * B * 64 = 393,216 per
    // example at B = 1024. Total 835,584.
    assertThat(flops.flopsPerExample()).isEqualTo(835_584.0);
    assertThat(flops.flopsPerBatch()).isEqualTo(835_584L * 1024);
    assertThat(flops.products()).hasSize(14);
    assertThat(flops.gflops(10_000)).isCloseTo(8.35584, within(1e-9));
  }

  @Test
  void mixedNegativesWidenEveryProductButNotTheExampleCount() {
    TrainingFlops flops = TrainingFlops.of(ISSUE_MODEL, 1024, 1024);

    // R = 2048 rows: dense layers double (884,736 per example), logits quadruple (1,572,864).
    assertThat(flops.flopsPerExample()).isEqualTo(884_736.0 + 1_572_864.0);
  }

  @Test
  void readsThePeakResidentSetFromProcStatus() {
    String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  2345678 kB\nVmRSS:\t 1000 kB\n";

    assertThat(ProcessMemory.peakResidentBytes(status)).hasValue(2_345_678L * 1024);
    assertThat(ProcessMemory.peakResidentBytes("Name:\tjava\n")).isEmpty();
    assertThatThrownBy(() -> ProcessMemory.peakResidentBytes("VmHWM:\t 3 MB\n"))
        .hasMessageContaining("unexpected unit");
  }

  @Test
  void readsTheResidentSetAndItsPeakFromOneStatusNeverThePeakBelowTheSet() {
    assertThat(ProcessMemory.resident("VmHWM:\t 3000 kB\nVmRSS:\t 1000 kB\n"))
        .isEqualTo(new ProcessMemory.Resident(1000L * 1024, 3000L * 1024));
    // The kernel's lazily synced counters can put VmHWM a few pages below VmRSS.
    assertThat(ProcessMemory.resident("VmHWM:\t 7891748 kB\nVmRSS:\t 7891772 kB\n"))
        .isEqualTo(new ProcessMemory.Resident(7_891_772L * 1024, 7_891_772L * 1024));
    assertThat(ProcessMemory.resident("Name:\tjava\n")).isEqualTo(ProcessMemory.Resident.UNKNOWN);
  }

  @Test
  void readsThisJvmsOwnPeakOnLinux() {
    // A running JVM holds far more than 10 MB resident.
    assertThat(ProcessMemory.selfPeakResidentBytes().orElseThrow()).isGreaterThan(10_000_000L);
  }

  @Test
  void ratesWithinEpochsLeaveTheFirstEpochOutAndTakeTheMedian() {
    // Epochs 2..5 take 2, 4, 3, 100 s: median 3.5 s; the first (20 s) is left out.
    assertThat(BenchTrainingCommand.withinEpochs(7_000, "20,2,4,3,100")).isEqualTo(2_000.0);
    // A single epoch is all there is.
    assertThat(BenchTrainingCommand.withinEpochs(100, "4")).isEqualTo(25.0);
  }

  @Test
  void putsStagesInTheTrainPathsCategoriesByTheirCallSite() {
    assertThat(
            StageTimes.category(
                "treeAggregate at ParameterAveragingTrainingMaster.java:662", false))
        .isEqualTo(Category.FIT);
    assertThat(StageTimes.category("count at EpochBatches.java:80", true))
        .isEqualTo(Category.SHUFFLE);
    assertThat(StageTimes.category("fold at SparkTrainer.java:242", false))
        .isEqualTo(Category.BATCHES);
    assertThat(StageTimes.category("collect at EpochRounds.java:58", false))
        .isEqualTo(Category.BATCHES);
    assertThat(StageTimes.category("collectAsList at TrainJob.java:242", false))
        .isEqualTo(Category.OTHER);
  }

  @Test
  void childJvmsInheritOptionsButNotAgents() {
    assertThat(
            ChildJvm.inheritedOptions(
                List.of(
                    "-Xmx4g",
                    "-javaagent:/x/jacoco.jar",
                    "-agentlib:jdwp=transport=dt_socket",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "-Dorg.bytedeco.javacpp.maxbytes=2g")))
        .containsExactly(
            "-Xmx4g",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Dorg.bytedeco.javacpp.maxbytes=2g");
  }
}
