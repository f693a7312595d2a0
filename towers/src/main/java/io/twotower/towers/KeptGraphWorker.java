package io.twotower.towers;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's parameter-averaging worker, keeping each Spark task thread's network from one averaging
 * round to the next. DL4J's own worker builds a new network for every round (cloning the
 * configuration, building every vertex and layer, duplicating parameters and optimizer state) and
 * drops it when the round ends; this one builds it on a thread's first round and on later rounds
 * only copies the round's broadcast parameters and optimizer state into it.
 *
 * <p>Unlike DL4J's, its network goes on from the master's iteration count, so Adam's bias
 * correction runs as in one network's training. DL4J's new network starts every round at 0 (the
 * configuration's clone drops the count), which damps the first steps of every round: at averaging
 * frequency 5, Adam's steps stayed at 0.17-0.32 of the learning rate all training long. On
 * ml-latest-small's validation split, carrying the count raised the mean Recall@K (K = 10, 50, 100,
 * 300) over 3 seeds from 0.309 to 0.322 (README, "Training throughput").
 *
 * <p>The network stays with its thread (Spark's task threads end after a minute idle, and with them
 * the network), one per thread, and is rebuilt when a round brings another configuration or
 * learning-rate factor (another model trained in the same JVM). Listeners and DL4J's training
 * statistics need DL4J's per-round set-up: with either, {@link SparkTrainer} uses DL4J's worker.
 *
 * <p>Each network is built from a configuration of its own, parsed from the round's JSON. DL4J's
 * worker builds from a clone of the broadcast configuration, and the clone shares each output
 * layer's loss function object with it. On {@code local[n]} every task thread reads the same
 * broadcast object, so both workers' networks called one {@link InBatchSoftmaxLossFunction}: they
 * queued on its lock (5.0 s of waits over 20 ms each in one 8-epoch run on ml-latest-small) and
 * each overwrote the other's remembered forward pass, so every batch computed the loss twice.
 */
final class KeptGraphWorker extends ParameterAveragingTrainingWorker {
  private static final ThreadLocal<Kept> KEPT = new ThreadLocal<>();

  /**
   * A thread's network, the JSON of the model's configuration and the learning-rate factor it was
   * built with.
   */
  private record Kept(String configuration, double learningRateFactor, ComputationGraph graph) {
    boolean builtFor(String json, double factor) {
      return configuration.equals(json) && learningRateFactor == factor;
    }
  }

  private final Broadcast<NetBroadcastTuple> broadcast;
  private final double learningRateFactor;

  /**
   * @param learningRateFactor what this worker's optimizer multiplies the broadcast model's
   *     learning rate by ({@link SparkTrainingSettings#learningRateFactor()}); the master's own
   *     configuration, which checkpoints and saved models keep, stays at the model's rate
   */
  KeptGraphWorker(
      Broadcast<NetBroadcastTuple> broadcast,
      boolean saveUpdater,
      WorkerConfiguration config,
      double learningRateFactor) {
    super(broadcast, saveUpdater, config, null, null, null);
    this.broadcast = broadcast;
    this.learningRateFactor = learningRateFactor;
  }

  @Override
  public ComputationGraph getInitialModelGraph() {
    NetBroadcastTuple round = broadcast.getValue();
    ComputationGraphConfiguration master = round.getGraphConfiguration();
    // A clone's iteration and epoch counts are zero, so its JSON names the model, not the round.
    String json = master.clone().toJson();
    Kept kept = KEPT.get();
    ComputationGraph graph;
    if (kept == null
        || round.getUpdaterState() == null
        || !kept.builtFor(json, learningRateFactor)) {
      graph =
          TwoTowerGraphs.network(
              TwoTowerGraphs.withLearningRateTimes(json, learningRateFactor),
              round.getParameters(),
              round.getUpdaterState());
      KEPT.set(new Kept(json, learningRateFactor, graph));
    } else {
      graph = kept.graph();
      graph.params().assign(round.getParameters());
      graph.getUpdater().getStateViewArray().assign(round.getUpdaterState());
    }
    // The master's step count (it adds the averaging frequency per round); see the class comment.
    graph.getConfiguration().setIterationCount(master.getIterationCount());
    graph.getConfiguration().setEpochCount(master.getEpochCount());
    Nd4j.getExecutioner().commit();
    return graph;
  }
}
