package io.twotower.towers;

import java.util.Objects;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Synchronous parameter averaging on Spark (DL4J's {@link ParameterAveragingTrainingMaster}): each
 * worker fits {@code averagingFrequency} minibatches of {@code batchSizePerWorker} rows, then the
 * driver averages parameters and optimizer state and broadcasts them again. Each epoch's batches
 * are built and counted once and laid out in those averaging rounds ({@link EpochRounds}); a split
 * of an epoch is a run of consecutive rounds.
 */
public final class SparkTrainer {
  private SparkTrainer() {}

  /**
   * Trains {@code model}'s graph in place on the same batches every epoch and returns the model
   * with the averaged parameters.
   *
   * @param batches MultiDataSets from {@link TowerBatcher#trainingBatch}, each of {@code
   *     batchSizePerWorker} rows (B examples plus B' mixed negatives, if any), shuffled by the
   *     caller before batching (negatives come from one batch only). DL4J re-cuts the elements into
   *     minibatches of exactly {@code batchSizePerWorker} rows, merging and splitting where sizes
   *     differ: only batches of that size reach the loss whole. Each epoch reads it once (no need
   *     to persist it) and keeps that epoch's batches as objects until the epoch ends: worker w
   *     fits partition w's batches in order (more partitions than workers are coalesced).
   * @param progress told after each of the {@code splits} fit calls of every epoch
   */
  public static TwoTowerModel fit(
      JavaSparkContext sc,
      TwoTowerModel model,
      JavaRDD<MultiDataSet> batches,
      SparkTrainingSettings settings,
      TrainingProgress progress) {
    Objects.requireNonNull(batches, "batches");
    return fit(sc, model, epoch -> batches, settings, progress);
  }

  /**
   * As {@link #fit(JavaSparkContext, TwoTowerModel, JavaRDD, SparkTrainingSettings,
   * TrainingProgress)} with batches of their own each epoch ({@code batchesOfEpoch} is called once
   * per epoch, 0-based): with the examples shuffled anew, every epoch pairs each positive with
   * other in-batch negatives. Each RDD returned is read once, when its epoch starts.
   */
  public static TwoTowerModel fit(
      JavaSparkContext sc,
      TwoTowerModel model,
      IntFunction<JavaRDD<MultiDataSet>> batchesOfEpoch,
      SparkTrainingSettings settings,
      TrainingProgress progress) {
    return fit(sc, model, batchesOfEpoch, settings, progress, EpochEnd.never());
  }

  /**
   * As {@link #fit(JavaSparkContext, TwoTowerModel, IntFunction, SparkTrainingSettings,
   * TrainingProgress)}, asking {@code epochEnd} after each epoch whether to go on: {@code
   * settings.epochs()} is then the most epochs trained (early stopping).
   */
  public static TwoTowerModel fit(
      JavaSparkContext sc,
      TwoTowerModel model,
      IntFunction<JavaRDD<MultiDataSet>> batchesOfEpoch,
      SparkTrainingSettings settings,
      TrainingProgress progress,
      EpochEnd epochEnd) {
    return fit(sc, model, batchesOfEpoch, settings, progress, epochEnd, Checkpointing.none());
  }

  /**
   * As {@link #fit(JavaSparkContext, TwoTowerModel, IntFunction, SparkTrainingSettings,
   * TrainingProgress, EpochEnd)}, starting at {@code checkpointing.start()} and telling {@code
   * checkpointing} after every split. A fit resumed from a checkpoint taken after split s of epoch
   * e, with {@code model} restored from it, trains the same splits on the same batches as the
   * uninterrupted fit did after that point: each epoch's batches depend only on the epoch, and
   * their averaging rounds and splits only on their order within each partition. Only the progress
   * lines and {@code epochEnd} calls of the skipped part are not repeated.
   */
  public static TwoTowerModel fit(
      JavaSparkContext sc,
      TwoTowerModel model,
      IntFunction<JavaRDD<MultiDataSet>> batchesOfEpoch,
      SparkTrainingSettings settings,
      TrainingProgress progress,
      EpochEnd epochEnd,
      Checkpointing checkpointing) {
    Objects.requireNonNull(epochEnd, "epochEnd");
    Objects.requireNonNull(checkpointing, "checkpointing");
    Objects.requireNonNull(sc, "sc");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(batchesOfEpoch, "batchesOfEpoch");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(progress, "progress");
    Position start = checkpointing.start();
    double score = 0.0;
    SparkComputationGraph spark =
        new SparkComputationGraph(sc, model.trainingGraph(), trainingMaster(settings));
    for (int epoch = start.epoch(); epoch < settings.epochs(); epoch++) {
      EpochRounds rounds =
          EpochRounds.of(
              batchesOfEpoch.apply(epoch), settings.workers(), settings.averagingFrequency());
      boolean stop = false;
      try {
        int splits = settings.splits();
        for (int split = epoch == start.epoch() ? start.split() : 0; split < splits; split++) {
          int from = rounds.firstRound(split, splits);
          int to = rounds.firstRound(split + 1, splits);
          long examples = rounds.examples(from, to);
          long begin = System.nanoTime();
          for (int round = from; round < to; round++) {
            if (rounds.examples(round, round + 1) > 0) {
              spark.fitMultiDataSet(rounds.round(round));
              score = spark.getScore();
            }
          }
          double seconds = (System.nanoTime() - begin) / 1e9;
          // An epoch of fewer rounds than splits leaves some splits empty: nothing to report.
          if (examples > 0) {
            progress.onSplit(epoch, split, splits, examples, examples / seconds, score);
          }
          boolean lastOfEpoch = split == splits - 1;
          if (lastOfEpoch) {
            // Told after every epoch, the last one too (its answer is then moot).
            boolean keepTraining =
                epochEnd.keepTraining(epoch, model.withParameters(spark.getNetwork()));
            stop = epoch == settings.epochs() - 1 || !keepTraining;
          }
          checkpointing.splitDone(new Position(epoch, split), splits, stop, model);
        }
      } finally {
        rounds.release();
      }
      if (stop) {
        break;
      }
    }
    return model.withParameters(model.trainingGraph());
  }

  /** A split of an epoch, both 0-based: where a fit starts, or the one just trained. */
  public record Position(int epoch, int split) {
    /** The beginning of training. */
    public static final Position START = new Position(0, 0);

    public Position {
      if (epoch < 0 || split < 0) {
        throw TowerErrors.invalidSetting("position", epoch + "/" + split, "epoch, split >= 0");
      }
    }

    /** The split after this one, in an epoch of {@code splits} splits. */
    public Position next(int splits) {
      return split + 1 < splits ? new Position(epoch, split + 1) : new Position(epoch + 1, 0);
    }
  }

  /**
   * Where a fit starts, and what it is told after every split (one {@code fitMultiDataSet} call,
   * which ends with an averaging of parameters and optimizer state), so that a caller can save
   * checkpoints and a killed run can resume from the last one.
   */
  public interface Checkpointing {
    /**
     * The first split to train: {@link Position#START}, or the split after a checkpoint's, in which
     * case the model handed to fit holds that checkpoint's parameters and updater state.
     */
    Position start();

    /**
     * Told after every split trained, in order.
     *
     * @param done the split just trained
     * @param splits splits per epoch
     * @param finished true after the last split of training (the last epoch's, or the one after
     *     which {@link EpochEnd} stopped it)
     * @param model the live model: parameters and updater state after this split's averaging (read
     *     or save it now; the next split trains it further)
     */
    void splitDone(Position done, int splits, boolean finished, TwoTowerModel model);

    /** Starts at the beginning and saves nothing. */
    static Checkpointing none() {
      return new Checkpointing() {
        @Override
        public Position start() {
          return Position.START;
        }

        @Override
        public void splitDone(Position done, int splits, boolean finished, TwoTowerModel model) {}
      };
    }
  }

  /** Told after each epoch with the model as it stands then; may end training early. */
  @FunctionalInterface
  public interface EpochEnd {
    /**
     * @param epoch 0-based epoch just finished
     * @param model the averaged parameters after that epoch (the live graph: read it now, e.g.
     *     evaluate or copy it, since the next epoch trains it further)
     * @return false to stop training after this epoch (ignored after the last)
     */
    boolean keepTraining(int epoch, TwoTowerModel model);

    /** Trains every epoch. */
    static EpochEnd never() {
      return (epoch, model) -> true;
    }
  }

  private static ParameterAveragingTrainingMaster trainingMaster(SparkTrainingSettings settings) {
    return new RoundTrainingMaster(
        settings.learningRateFactor(),
        new ParameterAveragingTrainingMaster.Builder(
                settings.workers(), settings.batchSizePerWorker())
            .batchSizePerWorker(settings.batchSizePerWorker())
            .averagingFrequency(settings.averagingFrequency())
            // The builder's default is false despite its Javadoc: Adam/Adagrad state would reset
            // at every averaging.
            .saveUpdater(true)
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            // EpochRounds gives each worker a partition of its own.
            .repartionData(Repartition.Never));
  }

  /**
   * Fits the RDD it is given as one averaging round: each partition is one worker's batches. DL4J's
   * own {@code executeTrainingDirect} would persist and count the RDD and split it at random into
   * rounds, passes that {@link EpochRounds} makes unnecessary. Its workers keep their networks
   * between rounds ({@link KeptGraphWorker}).
   */
  private static final class RoundTrainingMaster extends ParameterAveragingTrainingMaster {
    private final double learningRateFactor;

    RoundTrainingMaster(
        double learningRateFactor, ParameterAveragingTrainingMaster.Builder builder) {
      super(builder);
      this.learningRateFactor = learningRateFactor;
    }

    @Override
    public void executeTrainingMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> round) {
      doIteration(graph, round, 1, 1);
    }

    /**
     * As DL4J's, with a worker that keeps its network, unless listeners or statistics need DL4J's
     * (this project's trainers set neither; DL4J's worker would restart Adam's step count every
     * round, and trains at the model's learning rate: no scaling).
     */
    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
      if (collectTrainingStats || (listeners != null && !listeners.isEmpty())) {
        if (learningRateFactor != 1.0) {
          throw TowerErrors.invalidSetting(
              "learningRateScaling",
              learningRateFactor,
              "NONE with training listeners or statistics (DL4J's own worker)");
        }
        return super.getWorkerInstance(graph);
      }
      ComputationGraph network = graph.getNetwork();
      Broadcast<NetBroadcastTuple> round =
          graph
              .getSparkContext()
              .broadcast(
                  new NetBroadcastTuple(
                      network.getConfiguration(),
                      network.params(),
                      network.getUpdater().getStateViewArray()));
      return new KeptGraphWorker(
          round,
          saveUpdater,
          new WorkerConfiguration(
              true,
              rddDataSetNumExamples,
              batchSizePerWorker,
              averagingFrequency,
              prefetchNumBatches,
              false),
          learningRateFactor);
    }
  }

  /**
   * The batch's rows with a reward > 0: its training examples. Mixed negatives (reward 0, see
   * {@link TowerBatcher#trainingBatch(java.util.List, java.util.List)}) only serve as negatives.
   */
  static long examples(MultiDataSet batch) {
    INDArray reward = batch.getLabels(0).getColumn(InBatchSoftmaxLoss.REWARD);
    return reward.gt(0).castTo(DataType.LONG).sumNumber().longValue();
  }
}
