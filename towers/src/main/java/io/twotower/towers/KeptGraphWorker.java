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
 * only copies the round's broadcast parameters and optimizer state into it and sets its iteration
 * and epoch counts as DL4J's new network has them. What the round fits from is the same: those are
 * all the state a network starts a round with.
 *
 * <p>The network stays with its thread (Spark's task threads end after a minute idle, and with them
 * the network), one per thread, and is rebuilt when a round brings another configuration (another
 * model trained in the same JVM). Listeners and DL4J's training statistics need DL4J's per-round
 * set-up: with either, {@link SparkTrainer} uses DL4J's worker.
 */
final class KeptGraphWorker extends ParameterAveragingTrainingWorker {
  private static final ThreadLocal<Kept> KEPT = new ThreadLocal<>();

  /** A thread's network and the JSON of the configuration it was built from. */
  private record Kept(String configuration, ComputationGraph graph) {}

  private final Broadcast<NetBroadcastTuple> broadcast;

  KeptGraphWorker(
      Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration config) {
    super(broadcast, saveUpdater, config, null, null, null);
    this.broadcast = broadcast;
  }

  @Override
  public ComputationGraph getInitialModelGraph() {
    NetBroadcastTuple round = broadcast.getValue();
    // The configuration as DL4J's worker builds its network from: its clone, whose iteration and
    // epoch counts start again (Adam's bias correction restarts with every round, as in DL4J).
    ComputationGraphConfiguration asDl4jBuildsIt = round.getGraphConfiguration().clone();
    String json = asDl4jBuildsIt.toJson();
    Kept kept = KEPT.get();
    if (kept == null || round.getUpdaterState() == null || !kept.configuration().equals(json)) {
      ComputationGraph built = super.getInitialModelGraph();
      KEPT.set(new Kept(json, built));
      return built;
    }
    ComputationGraph graph = kept.graph();
    graph.params().assign(round.getParameters());
    graph.getUpdater().getStateViewArray().assign(round.getUpdaterState());
    graph.getConfiguration().setIterationCount(asDl4jBuildsIt.getIterationCount());
    graph.getConfiguration().setEpochCount(asDl4jBuildsIt.getEpochCount());
    Nd4j.getExecutioner().commit();
    return graph;
  }
}
