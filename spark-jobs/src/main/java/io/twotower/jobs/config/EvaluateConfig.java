package io.twotower.jobs.config;

import io.twotower.jobs.JobErrors;
import java.util.ArrayList;
import java.util.List;

/**
 * What evaluate ranks next to the two-tower model, at which cut-offs, on which events.
 *
 * @param baselines in print order
 */
public record EvaluateConfig(
    List<Integer> ks, List<Baseline> baselines, AlsConfig als, Protocol protocol) {

  private static final String PREFIX = ConfigLoader.ROOT + ".evaluate";

  /** Baselines ranked on the same held-out events with the same exclusions. */
  public enum Baseline {
    POPULARITY,
    ALS
  }

  /** Which events are the test queries. */
  public enum Protocol {
    /** The split = 'test' examples of features.split (leave-last-out by default). */
    HELD_OUT,
    /**
     * The paper's: the model trained on the days up to D (--date D, or --to D) against every event
     * of day D + 1.
     */
    NEXT_DAY;

    /** As written in the config and recorded in evaluations.protocol. */
    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public EvaluateConfig {
    ks = List.copyOf(ks);
    baselines = List.copyOf(baselines);
  }

  /** Implicit-feedback ALS (Hu, Koren and Volinsky 2008) as Spark MLlib fits it. */
  public record AlsConfig(
      int rank,
      double regParam,
      double alpha,
      int maxIter,
      long seed,
      List<Integer> gridRank,
      List<Double> gridRegParam,
      List<Double> gridAlpha) {

    public AlsConfig {
      gridRank = List.copyOf(gridRank);
      gridRegParam = List.copyOf(gridRegParam);
      gridAlpha = List.copyOf(gridAlpha);
    }

    /** True when a grid is configured, i.e. tuning on a validation split is asked for. */
    public boolean tuned() {
      return !gridRank.isEmpty() || !gridRegParam.isEmpty() || !gridAlpha.isEmpty();
    }

    /** Every combination of the grid; an empty grid dimension keeps this config's value. */
    public List<AlsConfig> candidates() {
      List<Integer> ranks = gridRank.isEmpty() ? List.of(rank) : gridRank;
      List<Double> regs = gridRegParam.isEmpty() ? List.of(regParam) : gridRegParam;
      List<Double> alphas = gridAlpha.isEmpty() ? List.of(alpha) : gridAlpha;
      List<AlsConfig> all = new ArrayList<>();
      for (int r : ranks) {
        for (double reg : regs) {
          for (double a : alphas) {
            all.add(new AlsConfig(r, reg, a, maxIter, seed, List.of(), List.of(), List.of()));
          }
        }
      }
      return all;
    }

    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT, "rank=%d reg-param=%s alpha=%s", rank, regParam, alpha);
    }

    static AlsConfig from(Settings s) {
      Settings grid = s.child("grid");
      return new AlsConfig(
          s.positiveInt("rank"),
          s.positiveDouble("reg-param"),
          s.positiveDouble("alpha"),
          s.positiveInt("max-iter"),
          s.longValue("seed"),
          grid.positiveInts("rank"),
          positiveDoubles(grid, "reg-param"),
          positiveDoubles(grid, "alpha"));
    }

    private static List<Double> positiveDoubles(Settings s, String key) {
      List<Double> values = s.raw().getDoubleList(key);
      for (Double v : values) {
        if (!(v > 0) || v.isInfinite()) {
          throw JobErrors.badConfig(
              PREFIX + ".als.grid." + key, values, "a list of finite numbers > 0");
        }
      }
      return List.copyOf(values);
    }
  }

  static EvaluateConfig from(Settings s) {
    List<Baseline> baselines = new ArrayList<>();
    for (String name : s.strings("baselines")) {
      String constant = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
      Baseline match = null;
      for (Baseline b : Baseline.values()) {
        if (b.name().equals(constant)) {
          match = b;
        }
      }
      if (match == null) {
        throw JobErrors.badConfig(
            PREFIX + ".baselines",
            s.strings("baselines"),
            "a list of " + Settings.allowed(Baseline.class));
      }
      if (!baselines.contains(match)) {
        baselines.add(match);
      }
    }
    return new EvaluateConfig(
        s.positiveInts("ks"),
        baselines,
        AlsConfig.from(s.child("als")),
        s.enumValue("protocol", Protocol.class));
  }
}
