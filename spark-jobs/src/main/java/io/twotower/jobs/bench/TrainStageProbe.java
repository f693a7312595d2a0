package io.twotower.jobs.bench;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.spark.SparkSessions;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.train.TrainJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.SparkSession;

/**
 * The child JVM that runs the {@code train} stage as {@code two-tower train} would ({@link
 * TrainJob#train} on all days, its own Spark session on the config's master), with a {@link
 * StageTimes} listener and a timestamp at every epoch's end. Arguments: the config file ("-" for
 * none), then KEY=VALUE overrides, then the results file.
 */
public final class TrainStageProbe {

  private TrainStageProbe() {}

  public static void main(String[] args) throws Exception {
    Path configFile = args[0].equals("-") ? null : Path.of(args[0]);
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 1; i < args.length - 1; i++) {
      int eq = args[i].indexOf('=');
      overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    JobConfig config = JobConfig.from(ConfigLoader.load(configFile, overrides));
    Properties results = new Properties();
    SparkSession spark = SparkSessions.create(config.spark());
    try {
      StageTimes stages = new StageTimes();
      spark.sparkContext().addSparkListener(stages);
      int epochs = config.train().epochs();
      double[] epochEnds = new double[epochs];
      double start = System.currentTimeMillis() / 1e3;
      TrainJob.Result result =
          TrainJob.train(
              new DeltaStore(spark, config.dataDir()),
              config,
              DateRange.ALL,
              (epoch, model) -> {
                epochEnds[epoch] = System.currentTimeMillis() / 1e3;
                return true;
              });
      double end = System.currentTimeMillis() / 1e3;
      // Let the listener bus deliver the last events before reading it.
      Thread.sleep(500);
      results.setProperty("model_id", result.modelId());
      results.setProperty("examples", Long.toString(result.examples()));
      results.setProperty("wall_seconds", Double.toString(end - start));
      results.setProperty("fit_seconds", Double.toString(result.seconds()));
      results.setProperty("final_loss", Double.toString(result.finalLoss()));
      StringBuilder seconds = new StringBuilder();
      double fitStart = end - result.seconds();
      for (int e = 0; e < epochs; e++) {
        double from = e == 0 ? fitStart : epochEnds[e - 1];
        seconds.append(e == 0 ? "" : ",").append(epochEnds[e] - from);
      }
      results.setProperty("epoch_seconds", seconds.toString());
      results.setProperty("spark_jobs", Integer.toString(stages.jobs()));
      results.setProperty("driver_idle_seconds", Double.toString(stages.idleSeconds(start, end)));
      for (Map.Entry<StageTimes.Category, double[]> c : stages.byCategory().entrySet()) {
        double[] t = c.getValue();
        String key = "category." + c.getKey().name().toLowerCase(Locale.ROOT) + ".";
        List<String> names =
            List.of(
                "stages",
                "tasks",
                "wall",
                "task",
                "run",
                "cpu",
                "deserialize",
                "result_serialize",
                "gc",
                "shuffle_write",
                "fetch_wait");
        for (int i = 0; i < names.size(); i++) {
          results.setProperty(key + names.get(i), Double.toString(t[i]));
        }
      }
      StringBuilder stageLines = new StringBuilder();
      for (StageTimes.Stage s : stages.stages()) {
        stageLines.append(
            String.format(
                Locale.ROOT,
                "%d|%s|%s|%d|%.3f|%.3f|%.3f|%.3f|%.3f%n",
                s.id(),
                s.name().replace('|', '/'),
                s.category(),
                s.tasks(),
                s.wallSeconds(),
                s.runSeconds(),
                s.deserializeSeconds(),
                s.resultSerializeSeconds(),
                s.shuffleWriteSeconds()));
      }
      results.setProperty("stages", stageLines.toString());
    } finally {
      spark.stop();
    }
    ChildJvm.report(results, Path.of(args[args.length - 1]));
    System.exit(0);
  }
}
