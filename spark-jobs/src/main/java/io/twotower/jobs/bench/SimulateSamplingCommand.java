package io.twotower.jobs.bench;

import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.sampling.SamplingSimulation;
import io.twotower.sampling.SimulationResult;
import io.twotower.sampling.SimulationSettings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code simulate-sampling}: the paper's simulation of the streaming estimator (Yi et al. 2019,
 * Sec. 6.1): M = 1000 items, batches of 128 with q_i proportional to i^2, flipped at step 10,000 to
 * (M - 1 - i)^2; H = 5000, A = 0, B = 100. Runs every {@link SimulationSetting} for each seed (the
 * same batches for every estimator of a seed) and writes to --out:
 *
 * <ul>
 *   <li>{@code error-by-step.csv}: setting, seed, step, error (long format);
 *   <li>{@code summary.csv}: setting, seed, plateau_error, steps_to_recover (empty: not recovered);
 *   <li>{@code fig4-alpha.png}, {@code fig5-hashes.png}: error vs step, mean over seeds.
 * </ul>
 *
 * and prints per setting the plateau error before the flip, the steps to recover after it and the
 * mean error over the {@value #AFTER_FLIP_STEPS} steps from the flip, each a mean over seeds
 * (criterion: {@link io.twotower.sampling.RecoveryCriterion#DEFAULT}). Plain Java: no Spark
 * session.
 */
@Command(mixinStandardHelpOptions = true, sortOptions = false)
public final class SimulateSamplingCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(SimulateSamplingCommand.class);

  /**
   * Steps after the flip whose mean error the table also prints: a summary of recovery that needs
   * no threshold (steps to recover hinge on a 10% band around a noisy plateau).
   */
  static final int AFTER_FLIP_STEPS = 1000;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Output folder, a path or a URI such as s3a://b/c (Hadoop settings from core-site.xml)"
              + " (default: ${DEFAULT-VALUE}).")
  String out = "data/bench/sampling-simulation";

  @Option(
      names = "--seeds",
      paramLabel = "N",
      description = "Number of seeds (1..N) averaged per setting (default: ${DEFAULT-VALUE}).")
  int seeds = 5;

  @Option(
      names = "--steps",
      paramLabel = "T",
      description = "Simulated steps (default: ${DEFAULT-VALUE}, the paper's).")
  long steps = 20_000;

  @Option(
      names = "--flip-step",
      paramLabel = "S",
      description = "Step at which the distribution flips (default: ${DEFAULT-VALUE}).")
  long flipStep = 10_000;

  @Override
  public Integer call() throws IOException {
    if (seeds < 1) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this), "--seeds must be >= 1, got " + seeds);
    }
    DataLocation folder = DataLocation.of(out);
    // No Spark here: the Hadoop configuration is the one core-site.xml (HADOOP_CONF_DIR) gives.
    HadoopFiles files = new HadoopFiles(new Configuration());
    List<SimulationSetting> settings = SimulationSetting.paperSettings();
    Map<String, List<SimulationResult>> results = new LinkedHashMap<>();
    long start = System.nanoTime();
    try (BufferedWriter curves = writer(files, folder.resolve("error-by-step.csv"));
        BufferedWriter summary = writer(files, folder.resolve("summary.csv"))) {
      curves.write("setting,seed,step,error\n");
      summary.write("setting,seed,plateau_error,steps_to_recover\n");
      for (SimulationSetting setting : settings) {
        List<SimulationResult> perSeed = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
          SimulationResult result =
              SamplingSimulation.run(simulation(seed), setting.estimator().apply(seed));
          perSeed.add(result);
          writeCurve(curves, setting.name(), seed, result);
          summary.write(
              String.format(
                  Locale.ROOT,
                  "%s,%d,%.6g,%s%n",
                  csv(setting.name()),
                  seed,
                  result.plateauError(),
                  result.stepsToRecover().isPresent()
                      ? Long.toString(result.stepsToRecover().getAsLong())
                      : ""));
        }
        results.put(setting.name(), perSeed);
      }
    }
    SimulationPlots.write(files, folder, settings, results, flipStep);
    System.out.print(table(settings, results));
    LOG.info(
        String.format(
            "%d settings x %d seeds x %,d steps in %.1f s; wrote %s",
            settings.size(), seeds, steps, (System.nanoTime() - start) / 1e9, folder));
    return 0;
  }

  private static BufferedWriter writer(HadoopFiles files, DataLocation file) throws IOException {
    return new BufferedWriter(new OutputStreamWriter(files.create(file), StandardCharsets.UTF_8));
  }

  private SimulationSettings simulation(long seed) {
    SimulationSettings paper = SimulationSettings.paper(seed);
    return new SimulationSettings(
        paper.itemCount(), paper.batchSize(), flipStep, steps, seed, paper.recovery());
  }

  /** The printed table: plateau error and steps to recover, mean over seeds. */
  static String table(
      List<SimulationSetting> settings, Map<String, List<SimulationResult>> results) {
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            "%n%-24s %-6s %14s %18s %24s%n",
            "setting", "figure", "plateau error", "steps to recover", "error, 1000 after flip"));
    for (SimulationSetting setting : settings) {
      List<SimulationResult> perSeed = results.get(setting.name());
      double plateau =
          perSeed.stream().mapToDouble(SimulationResult::plateauError).average().orElse(0);
      List<OptionalLong> recoveries =
          perSeed.stream().map(SimulationResult::stepsToRecover).toList();
      long recovered = recoveries.stream().filter(OptionalLong::isPresent).count();
      String recovery =
          recovered == 0
              ? "not recovered"
              : String.format(
                      Locale.ROOT,
                      "%.0f",
                      recoveries.stream()
                          .filter(OptionalLong::isPresent)
                          .mapToLong(OptionalLong::getAsLong)
                          .average()
                          .orElse(0))
                  + (recovered < perSeed.size()
                      ? " (" + recovered + "/" + perSeed.size() + " seeds)"
                      : "");
      double afterFlip =
          perSeed.stream()
              .mapToDouble(
                  r ->
                      r.meanError(
                          r.flipStep(),
                          Math.min(r.errorByStep().length, r.flipStep() + AFTER_FLIP_STEPS - 1)))
              .average()
              .orElse(0);
      text.append(
          String.format(
              Locale.ROOT,
              "%-24s %-6s %14.5f %18s %24.5f%n",
              setting.name(),
              setting.figure(),
              plateau,
              recovery,
              afterFlip));
    }
    return text.toString();
  }

  private static void writeCurve(
      BufferedWriter curves, String setting, long seed, SimulationResult result) {
    String prefix = csv(setting) + "," + seed + ",";
    try {
      StringBuilder chunk = new StringBuilder(1 << 16);
      double[] errors = result.errorByStep();
      for (int i = 0; i < errors.length; i++) {
        chunk.append(prefix).append(i + 1).append(',').append((float) errors[i]).append('\n');
        if (chunk.length() > 60_000) {
          curves.write(chunk.toString());
          chunk.setLength(0);
        }
      }
      curves.write(chunk.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String csv(String value) {
    return value.contains(",") ? "\"" + value + "\"" : value;
  }
}
