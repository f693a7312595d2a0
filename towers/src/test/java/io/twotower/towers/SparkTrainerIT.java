package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.towers.SparkTrainer.Checkpointing;
import io.twotower.towers.SparkTrainer.EpochEnd;
import io.twotower.towers.SparkTrainer.Position;
import io.twotower.towers.SparkTrainingSettings.LearningRateScaling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** Real parameter-averaging fits on local[2]. */
class SparkTrainerIT {
  private static final int BATCH = 32;
  private static final int EXAMPLES = 20 * BATCH;
  private static final int SMALL_BATCH = 8;

  private static JavaSparkContext sc;

  @BeforeAll
  static void startSpark() {
    sc =
        new JavaSparkContext(
            new SparkConf()
                .setMaster("local[2]")
                .setAppName("SparkTrainerIT")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", Nd4jKryoRegistrator.class.getName())
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
  }

  @AfterAll
  static void stopSpark() {
    if (sc != null) {
      sc.stop();
    }
  }

  @Test
  void parameterAveragingLowersTheLossAndReportsEverySplit() {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    List<MultiDataSet> batches = batches(model.config());
    JavaRDD<MultiDataSet> rdd = sc.parallelize(batches, 2).persist(StorageLevel.MEMORY_ONLY_SER());
    double lossBefore = meanLoss(model, batches);
    INDArray paramsBefore = model.trainingGraph().params().dup();
    List<long[]> reports = new ArrayList<>();

    TwoTowerModel trained =
        SparkTrainer.fit(
            sc,
            model,
            rdd,
            new SparkTrainingSettings(2, BATCH, 2, 3, 2, LearningRateScaling.NONE),
            (epoch, split, splits, examples, perSecond, loss) ->
                reports.add(new long[] {epoch, split, splits, examples}));

    // Three epochs of two splits, in order; each epoch's splits cover all examples.
    assertThat(reports).hasSize(6);
    for (int i = 0; i < 6; i++) {
      assertThat(reports.get(i)[0]).isEqualTo(i / 2);
      assertThat(reports.get(i)[1]).isEqualTo(i % 2);
      assertThat(reports.get(i)[2]).isEqualTo(2);
    }
    assertThat(reports.get(0)[3] + reports.get(1)[3]).isEqualTo(EXAMPLES);
    // Trained in place, and the returned model carries the averaged parameters.
    assertThat(trained.trainingGraph().params()).isEqualTo(model.trainingGraph().params());
    assertThat(trained.trainingGraph().params()).isNotEqualTo(paramsBefore);
    // saveUpdater(true): Adam's moments travel with the parameters.
    assertThat(trained.trainingGraph().getUpdater().getStateViewArray().amaxNumber().doubleValue())
        .isGreaterThan(0.0);
    double lossAfter = meanLoss(trained, batches);
    System.out.printf("Spark fit: mean batch loss %.4f -> %.4f%n", lossBefore, lossAfter);
    assertThat(lossAfter).isLessThan(0.9 * lossBefore);
    rdd.unpersist();
  }

  /**
   * Linear scaling on two workers steps each worker's Adam at twice the model's learning rate, and
   * only there: the fit ends with exactly the parameters of an unscaled fit of a model at twice the
   * rate, while the model keeps its own rate (as saved models and checkpoints do).
   */
  @Test
  void linearScalingTrainsEachWorkerAtTwiceTheModelsRate() {
    TowerConfig config = LocalTrainerTest.plantedConfig();
    TowerConfig doubled = config.toBuilder().learningRate(2 * config.learningRate()).build();
    List<MultiDataSet> batches = batches(config);
    JavaRDD<MultiDataSet> rdd = sc.parallelize(batches, 2).persist(StorageLevel.MEMORY_ONLY_SER());

    TwoTowerModel scaled = fitTwoEpochs(config, rdd, LearningRateScaling.LINEAR);
    TwoTowerModel unscaled = fitTwoEpochs(doubled, rdd, LearningRateScaling.NONE);
    TwoTowerModel atTheModelsRate = fitTwoEpochs(config, rdd, LearningRateScaling.NONE);

    assertThat(scaled.trainingGraph().params()).isEqualTo(unscaled.trainingGraph().params());
    assertThat(scaled.trainingGraph().params())
        .isNotEqualTo(atTheModelsRate.trainingGraph().params());
    // The master's configuration, which checkpoints save, keeps the model's rate.
    assertThat(scaled.trainingGraph().getConfiguration().toJson())
        .isEqualTo(atTheModelsRate.trainingGraph().getConfiguration().toJson());
    rdd.unpersist();
  }

  /** Two epochs of one split on 2 workers, averaging every 2 batches. */
  private static TwoTowerModel fitTwoEpochs(
      TowerConfig config, JavaRDD<MultiDataSet> rdd, LearningRateScaling scaling) {
    return SparkTrainer.fit(
        sc,
        TwoTowerModel.create(config),
        rdd,
        new SparkTrainingSettings(2, BATCH, 2, 2, 1, scaling),
        TrainingProgress.silent());
  }

  /**
   * DL4J re-cuts each worker's rows into minibatches of batchSizePerWorker rows: a worker holding B
   * + 1 rows fits a minibatch of B and one of 1, a worker holding 1 row a one-row minibatch. Such
   * minibatches once failed in ND4J's strided_slice_bp ("NDArray::assign: lengths of arrays are
   * mismatched", issue 13); the in-batch softmax of one row has no negative, so its loss and
   * gradient are 0.
   */
  @ParameterizedTest(name = "{0} rows per worker")
  @ValueSource(ints = {1, SMALL_BATCH - 1, SMALL_BATCH, SMALL_BATCH + 1})
  void everyRemainderOfRowsPerWorkerTrains(int rowsPerWorker) {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    INDArray before = model.trainingGraph().params().dup();
    // rowsPerWorker rows in each of two partitions, as many as workers (DL4J keeps the
    // partitions, so each worker gets exactly these rows), cut as the train job's TowerBatches
    // cuts a partition: full batches, then the rest as a smaller last one.
    List<MultiDataSet> elements = new ArrayList<>();
    for (int worker = 0; worker < 2; worker++) {
      for (int from = 0; from < rowsPerWorker; from += SMALL_BATCH) {
        int rows = Math.min(SMALL_BATCH, rowsPerWorker - from);
        elements.add(batchOf(model.config(), rows, new Random(10 + worker + from)));
      }
    }
    List<long[]> reports = new ArrayList<>();

    TwoTowerModel trained =
        SparkTrainer.fit(
            sc,
            model,
            sc.parallelize(elements, 2),
            new SparkTrainingSettings(2, SMALL_BATCH, 1, 2, 1, LearningRateScaling.NONE),
            (epoch, split, splits, examples, perSecond, loss) ->
                reports.add(new long[] {epoch, examples}));

    assertThat(reports).extracting(r -> r[1]).containsOnly(2L * rowsPerWorker);
    INDArray after = trained.trainingGraph().params();
    assertThat(after.isInfinite().any() || after.isNaN().any()).isFalse();
    if (rowsPerWorker > 1) {
      assertThat(after).isNotEqualTo(before);
    }
  }

  /** One row for two workers: one worker fits a one-row minibatch, the other nothing. */
  @Test
  void fewerRowsThanWorkersTrains() {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    List<long[]> reports = new ArrayList<>();

    TwoTowerModel trained =
        SparkTrainer.fit(
            sc,
            model,
            sc.parallelize(List.of(batchOf(model.config(), 1, new Random(5))), 1),
            new SparkTrainingSettings(2, SMALL_BATCH, 1, 2, 1, LearningRateScaling.NONE),
            (epoch, split, splits, examples, perSecond, loss) ->
                reports.add(new long[] {examples}));

    assertThat(reports).extracting(r -> r[0]).containsExactly(1L, 1L);
    assertThat(trained.trainingGraph().params().isNaN().any()).isFalse();
  }

  /** No rows at all (a quiet day in a daily schedule): nothing is fitted, nothing reported. */
  @Test
  void noRowsLeavesTheModelAsItWas() {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    INDArray before = model.trainingGraph().params().dup();
    List<long[]> reports = new ArrayList<>();

    TwoTowerModel trained =
        SparkTrainer.fit(
            sc,
            model,
            sc.<MultiDataSet>emptyRDD(),
            new SparkTrainingSettings(2, SMALL_BATCH, 1, 2, 2, LearningRateScaling.NONE),
            (epoch, split, splits, examples, perSecond, loss) ->
                reports.add(new long[] {examples}));

    // Nothing fitted, so nothing to report: a split with no examples prints no progress line.
    assertThat(reports).isEmpty();
    assertThat(trained.trainingGraph().params()).isEqualTo(before);
  }

  /**
   * A fit resumed from the checkpoint after (epoch 1, split 0), with the model restored from it,
   * ends with the parameters and Adam state of the fit that ran through.
   */
  @Test
  void resumingFromACheckpointEndsWhereTheUninterruptedFitEnds(@TempDir Path dir) {
    TowerConfig config = LocalTrainerTest.plantedConfig();
    List<MultiDataSet> batches = batches(config);
    JavaRDD<MultiDataSet> rdd = sc.parallelize(batches, 2).persist(StorageLevel.MEMORY_ONLY_SER());
    // 3 epochs of 3 splits of 20 batches: 5 averaging rounds of 2 workers x averaging frequency
    // 2, so a split holds 1 or 2 rounds and the checkpoint falls inside an epoch.
    SparkTrainingSettings settings =
        new SparkTrainingSettings(2, BATCH, 2, 3, 3, LearningRateScaling.NONE);
    Position checkpoint = new Position(1, 0);
    Path saved = dir.resolve("checkpoint");
    List<Position> trainedThrough = new ArrayList<>();

    TwoTowerModel uninterrupted =
        SparkTrainer.fit(
            sc,
            TwoTowerModel.create(config),
            epoch -> rdd,
            settings,
            TrainingProgress.silent(),
            EpochEnd.never(),
            new Checkpointing() {
              @Override
              public Position start() {
                return Position.START;
              }

              @Override
              public void splitDone(
                  Position done, int splits, boolean finished, TwoTowerModel model) {
                trainedThrough.add(done);
                if (done.equals(checkpoint)) {
                  model.save(saved);
                }
                assertThat(finished).isEqualTo(done.equals(new Position(2, 2)));
              }
            });
    List<Position> resumedThrough = new ArrayList<>();
    TwoTowerModel resumed =
        SparkTrainer.fit(
            sc,
            TwoTowerModel.load(saved),
            epoch -> rdd,
            settings,
            TrainingProgress.silent(),
            EpochEnd.never(),
            new Checkpointing() {
              @Override
              public Position start() {
                return checkpoint.next(3);
              }

              @Override
              public void splitDone(
                  Position done, int splits, boolean finished, TwoTowerModel model) {
                resumedThrough.add(done);
              }
            });

    assertThat(trainedThrough).hasSize(9);
    assertThat(resumedThrough).containsExactlyElementsOf(trainedThrough.subList(4, 9));
    INDArray expected = uninterrupted.trainingGraph().params();
    INDArray actual = resumed.trainingGraph().params();
    double maxDifference = expected.sub(actual).amaxNumber().doubleValue();
    double maxUpdaterDifference =
        uninterrupted
            .trainingGraph()
            .getUpdater()
            .getStateViewArray()
            .sub(resumed.trainingGraph().getUpdater().getStateViewArray())
            .amaxNumber()
            .doubleValue();
    System.out.printf(
        "Resume vs uninterrupted: max |parameter difference| %.3g, max |Adam state difference|"
            + " %.3g (parameters up to %.3g)%n",
        maxDifference, maxUpdaterDifference, expected.amaxNumber().doubleValue());
    // Same batches, same cuts, same averaging: the same float operations in the same order.
    assertThat(maxDifference).isEqualTo(0.0);
    assertThat(maxUpdaterDifference).isEqualTo(0.0);
    rdd.unpersist();
  }

  /**
   * Rounds give each worker its next averagingFrequency batches, in partition order: 7 batches in 3
   * partitions (3, 2, 2) are coalesced for 2 workers into (3, 4) or (5, 2), then cut 2 per worker
   * per round, so round r holds batches 2r and 2r + 1 of each worker.
   */
  @Test
  void roundsCutEachWorkersBatchesInOrderAndCountTheirExamples() {
    TowerConfig config = LocalTrainerTest.plantedConfig();
    List<MultiDataSet> elements = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      // Batch i has i + 1 rows: its size identifies it.
      elements.add(batchOf(config, i + 1, new Random(i)));
    }
    EpochRounds rounds = EpochRounds.of(sc.parallelize(elements, 3), 2, 2);
    try {
      List<List<Long>> perWorker = new ArrayList<>();
      for (List<MultiDataSet> partition :
          sc.parallelize(elements, 3).coalesce(2).glom().collect()) {
        perWorker.add(partition.stream().map(b -> b.getFeatures(0).size(0)).toList());
      }
      int most = Math.max(perWorker.get(0).size(), perWorker.get(1).size());
      assertThat(rounds.rounds()).isEqualTo((most + 1) / 2);
      for (int r = 0; r < rounds.rounds(); r++) {
        List<List<MultiDataSet>> round = rounds.round(r).glom().collect();
        assertThat(round).hasSize(2);
        long examples = 0;
        for (int w = 0; w < 2; w++) {
          List<Long> expected =
              perWorker
                  .get(w)
                  .subList(
                      Math.min(2 * r, perWorker.get(w).size()),
                      Math.min(2 * r + 2, perWorker.get(w).size()));
          assertThat(round.get(w))
              .extracting(b -> b.getFeatures(0).size(0))
              .containsExactlyElementsOf(expected);
          examples += expected.stream().mapToLong(Long::longValue).sum();
        }
        assertThat(rounds.examples(r, r + 1)).isEqualTo(examples);
      }
      // 1 + 2 + ... + 7 examples in all; splits of rounds cover them all, each once.
      assertThat(rounds.examples(0, rounds.rounds())).isEqualTo(28);
      assertThat(rounds.firstRound(0, 3)).isZero();
      assertThat(rounds.firstRound(3, 3)).isEqualTo(rounds.rounds());
    } finally {
      rounds.release();
    }
  }

  /**
   * A worker that keeps its thread's network from an earlier round starts the next round where
   * DL4J's worker, building the network anew, starts it (same parameters and optimizer state) but
   * at the master's iteration count, where DL4J's starts again at 0: given that step, the same fit
   * gives the same network to the last bit.
   */
  @Test
  void aKeptNetworkFitsARoundAsDl4jsFreshNetworkDoesFromTheMastersStep() {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    ComputationGraph master = model.trainingGraph();
    List<MultiDataSet> batches = batches(model.config());
    WorkerConfiguration config = new WorkerConfiguration(true, 1, BATCH, 2, 0, false);
    ComputationGraph earlier =
        new KeptGraphWorker(round(master), true, config, 1.0).getInitialModelGraph();
    earlier.fit(batches.get(0));
    earlier.fit(batches.get(1));
    // The master moves on (as averaging would move it) before the next round.
    master.fit(batches.get(2));
    int masterStep = master.getConfiguration().getIterationCount();

    Broadcast<NetBroadcastTuple> next = round(master);
    ComputationGraph kept = new KeptGraphWorker(next, true, config, 1.0).getInitialModelGraph();
    ComputationGraph fresh =
        new ParameterAveragingTrainingWorker(next, true, config, null, null, null)
            .getInitialModelGraph();
    // DL4J's network starts the round at step 0; the kept one goes on from the master's step.
    assertThat(fresh.getConfiguration().getIterationCount()).isZero();
    assertThat(masterStep).isPositive();
    assertThat(kept.getConfiguration().getIterationCount()).isEqualTo(masterStep);
    fresh.getConfiguration().setIterationCount(masterStep);
    kept.fit(batches.get(3));
    fresh.fit(batches.get(3));

    assertThat(kept).isSameAs(earlier);
    assertThat(kept.params()).isEqualTo(fresh.params());
    assertThat(kept.getUpdater().getStateViewArray())
        .isEqualTo(fresh.getUpdater().getStateViewArray());
  }

  /**
   * On local[n] every task thread reads the same broadcast object: the networks two threads keep
   * must share no configuration object with it or with each other (the loss function remembers a
   * step's forward pass and is locked while it computes), and still fit alike.
   */
  @Test
  void twoThreadsKeepNetworksThatShareNoLossFunction() throws Exception {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    ComputationGraph master = model.trainingGraph();
    Broadcast<NetBroadcastTuple> shared = round(master);
    WorkerConfiguration config = new WorkerConfiguration(true, 1, BATCH, 2, 0, false);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Callable<ComputationGraph> worker =
          () -> new KeptGraphWorker(shared, true, config, 1.0).getInitialModelGraph();
      List<ComputationGraph> kept = new ArrayList<>();
      for (Future<ComputationGraph> network : threads.invokeAll(List.of(worker, worker))) {
        kept.add(network.get());
      }
      ILossFunction broadcastLoss = lossFunction(shared.getValue().getGraphConfiguration());
      ILossFunction first = lossFunction(kept.get(0).getConfiguration());
      ILossFunction second = lossFunction(kept.get(1).getConfiguration());
      assertThat(first).isNotSameAs(second).isNotSameAs(broadcastLoss).isEqualTo(broadcastLoss);
      assertThat(second).isNotSameAs(broadcastLoss);

      MultiDataSet batch = batches(model.config()).get(0);
      kept.get(0).fit(batch);
      kept.get(1).fit(batch);
      assertThat(kept.get(0).params()).isEqualTo(kept.get(1).params());
    } finally {
      threads.shutdownNow();
    }
  }

  private static ILossFunction lossFunction(ComputationGraphConfiguration configuration) {
    LayerVertex loss = (LayerVertex) configuration.getVertices().get(TwoTowerGraphs.LOSS);
    return ((LossLayer) loss.getLayerConf().getLayer()).getLossFn();
  }

  private static Broadcast<NetBroadcastTuple> round(ComputationGraph master) {
    return sc.broadcast(
        new NetBroadcastTuple(
            master.getConfiguration(),
            master.params().dup(),
            master.getUpdater().getStateViewArray().dup()));
  }

  private static MultiDataSet batchOf(TowerConfig config, int rows, Random random) {
    return new TowerBatcher(config)
        .trainingBatch(PlantedClusters.examples(rows, SMALL_BATCH, random));
  }

  private static List<MultiDataSet> batches(TowerConfig config) {
    List<TowerExample> examples = PlantedClusters.examples(EXAMPLES, BATCH, new Random(3));
    Collections.shuffle(examples, new Random(4));
    TowerBatcher batcher = new TowerBatcher(config);
    List<MultiDataSet> batches = new ArrayList<>();
    for (int start = 0; start < EXAMPLES; start += BATCH) {
      batches.add(batcher.trainingBatch(examples.subList(start, start + BATCH)));
    }
    return batches;
  }

  private static double meanLoss(TwoTowerModel model, List<MultiDataSet> batches) {
    return batches.stream().mapToDouble(model.trainingGraph()::score).average().orElseThrow();
  }
}
