package io.twotower.jobs.ingest;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One simulated user: a taste over 2-3 topics and a watch history drawn from it. Everything comes
 * from an RNG seeded by (seed, user), so a user's rows never depend on how users are partitioned.
 */
final class SyntheticUser {

  /** One watch: the item, seconds after the log's start, the watched fraction in (0, 1]. */
  record Watch(int item, long offsetSeconds, double engagement) {}

  private static final int RESAMPLE_TRIES = 32;

  /**
   * Share of picks from the popularity ranking of all items regardless of taste (a trending shelf).
   * Without it, "each item at most once per user" caps how far a hit can reach beyond the users
   * whose taste includes its topics, and the head of the popularity curve stays thin.
   */
  static final double TRENDING_SHARE = 0.1;

  /** How many values the users' {@code region} attribute takes. */
  static final int REGIONS = 8;

  final long id;
  final int[] tasteTopics;
  final double[] tasteWeights;
  private final SplittableRandom random;

  SyntheticUser(long seed, long id, SyntheticCatalog catalog) {
    this.id = id;
    this.random = new SplittableRandom(mix(seed, id));
    int[] populated = catalog.populatedTopics;
    int wanted = Math.min(populated.length, 2 + random.nextInt(2));
    tasteTopics = new int[wanted];
    tasteWeights = new double[wanted];
    double total = 0;
    for (int k = 0; k < wanted; k++) {
      int topic;
      do {
        topic = populated[random.nextInt(populated.length)];
      } while (contains(tasteTopics, k, topic));
      tasteTopics[k] = topic;
      // Gamma(1) draws normalised: a Dirichlet(1, ..., 1) mixture over the chosen topics.
      tasteWeights[k] = random.nextExponential();
      total += tasteWeights[k];
    }
    for (int k = 0; k < wanted; k++) {
      tasteWeights[k] /= total;
    }
  }

  /**
   * A user attribute that carries signal, as a real user's locale does: the region of the user's
   * strongest taste topic (topic mod {@value #REGIONS}), so a region narrows down, but does not
   * give away, what its users watch. Drawn from the taste alone: the watches do not change.
   */
  String region() {
    int strongest = 0;
    for (int k = 1; k < tasteTopics.length; k++) {
      if (tasteWeights[k] > tasteWeights[strongest]) {
        strongest = k;
      }
    }
    return "r" + tasteTopics[strongest] % REGIONS;
  }

  /**
   * The user's watches in time order: count ~ Poisson(eventsPerUser), at least 2 and at most half
   * the catalog; each item at most once.
   */
  Watch[] watches(
      SyntheticCatalog catalog, double eventsPerUser, double channelStickiness, long spanSeconds) {
    int count = Math.min(Math.max(2, poisson(eventsPerUser)), Math.max(1, catalog.items() / 2));
    long[] offsets = new long[count];
    for (int k = 0; k < count; k++) {
      offsets[k] = random.nextLong(spanSeconds);
    }
    Arrays.sort(offsets);
    Set<Integer> seen = new HashSet<>();
    Watch[] watches = new Watch[count];
    int previous = -1;
    for (int k = 0; k < count; k++) {
      int item = unseenItem(catalog, previous, channelStickiness, seen);
      seen.add(item);
      // Strictly increasing timestamps: a history has one order.
      long offset = k == 0 ? offsets[0] : Math.max(offsets[k], watches[k - 1].offsetSeconds + 1);
      watches[k] = new Watch(item, offset, engagement(catalog.itemTopics[item]));
      previous = item;
    }
    return watches;
  }

  private int unseenItem(
      SyntheticCatalog catalog, int previous, double channelStickiness, Set<Integer> seen) {
    for (int attempt = 0; attempt < RESAMPLE_TRIES; attempt++) {
      int item = nextItem(catalog, previous, channelStickiness);
      if (!seen.contains(item)) {
        return item;
      }
    }
    // A user who has exhausted their tastes' head: any unseen item (there is one, count <= n/2).
    int item = random.nextInt(catalog.items());
    while (seen.contains(item)) {
      item = (item + 1) % catalog.items();
    }
    return item;
  }

  private int nextItem(SyntheticCatalog catalog, int previous, double channelStickiness) {
    if (previous >= 0 && random.nextDouble() < channelStickiness) {
      return catalog.itemsByChannel[catalog.itemChannel[previous]].sample(random);
    }
    if (random.nextDouble() < TRENDING_SHARE) {
      return catalog.itemsOverall.sample(random);
    }
    return catalog.itemsByTopic[tasteTopic()].sample(random);
  }

  private int tasteTopic() {
    double u = random.nextDouble();
    for (int k = 0; k < tasteTopics.length - 1; k++) {
      u -= tasteWeights[k];
      if (u < 0) {
        return tasteTopics[k];
      }
    }
    return tasteTopics[tasteTopics.length - 1];
  }

  /**
   * Watched fraction: mean 0.15 + 0.75 * (taste weight on the item's topics), Gaussian noise,
   * clipped to (0, 1]. An item squarely in the user's taste is watched to ~90%, an off-taste one to
   * ~15%.
   */
  private double engagement(int[] itemTopics) {
    double match = 0;
    for (int topic : itemTopics) {
      for (int k = 0; k < tasteTopics.length; k++) {
        if (tasteTopics[k] == topic) {
          match += tasteWeights[k];
        }
      }
    }
    double fraction = 0.15 + 0.75 * match + 0.12 * random.nextGaussian();
    return Math.round(Math.min(1.0, Math.max(0.001, fraction)) * 1000) / 1000.0;
  }

  /** Exact Poisson draws (Knuth) in pieces of mean <= 30, so large means cannot underflow. */
  private int poisson(double mean) {
    int total = 0;
    double left = mean;
    while (left > 0) {
      double piece = Math.min(left, 30);
      left -= piece;
      double limit = Math.exp(-piece);
      double product = random.nextDouble();
      while (product > limit) {
        total++;
        product *= random.nextDouble();
      }
    }
    return total;
  }

  private static boolean contains(int[] values, int length, int value) {
    for (int k = 0; k < length; k++) {
      if (values[k] == value) {
        return true;
      }
    }
    return false;
  }

  /** SplitMix64's finaliser over (seed, user): neighbouring users get unrelated streams. */
  static long mix(long seed, long user) {
    long z = seed * 0x9E3779B97F4A7C15L + user;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
