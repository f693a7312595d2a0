package io.twotower.jobs.bench;

import io.twotower.sampling.GapEstimatorSettings;
import io.twotower.sampling.HashedGapEstimator;
import io.twotower.sampling.StreamingFrequencyEstimator;
import io.twotower.sampling.WindowedCountEstimator;
import java.util.List;
import java.util.function.LongFunction;

/**
 * One estimator of the simulation benchmark: a name for the CSV and plots, the figure it belongs to
 * and how to build it for a seed (the hash functions are seeded too, so collisions vary by seed).
 *
 * @param figure "fig4" (alpha at m = 1), "fig5" (m at equal memory) or "exact" (counting baselines)
 */
record SimulationSetting(
    String name, String figure, LongFunction<StreamingFrequencyEstimator> estimator) {

  /** H = 5000 buckets in total, as in the paper. */
  static final int TOTAL_BUCKETS = 5000;

  /** The alpha of the m comparison; the paper does not say which it used for Fig. 5. */
  static final double FIG5_ALPHA = 0.05;

  /** Window of the windowed exact count: the plateau length the recovery criterion reads. */
  static final long WINDOW_STEPS = 1000;

  /** Issue 3's settings, in table order. */
  static List<SimulationSetting> paperSettings() {
    return List.of(
        hashed("alpha=0.01", "fig4", 1, 0.01),
        hashed("alpha=0.05", "fig4", 1, 0.05),
        hashed("alpha=0.1", "fig4", 1, 0.1),
        hashed("alpha=0.2", "fig4", 1, 0.2),
        hashed("m=1", "fig5", 1, FIG5_ALPHA),
        hashed("m=2", "fig5", 2, FIG5_ALPHA),
        hashed("m=4", "fig5", 4, FIG5_ALPHA),
        new SimulationSetting(
            "aggregate (all steps)",
            "exact",
            seed -> new WindowedCountEstimator(WindowedCountEstimator.ALL_STEPS)),
        new SimulationSetting(
            "windowed (" + WINDOW_STEPS + " steps)",
            "exact",
            seed -> new WindowedCountEstimator(WINDOW_STEPS)));
  }

  private static SimulationSetting hashed(String name, String figure, int m, double alpha) {
    return new SimulationSetting(
        name,
        figure,
        seed ->
            new HashedGapEstimator(
                GapEstimatorSettings.atEqualMemory(TOTAL_BUCKETS, m, alpha, seed)));
  }
}
