package io.twotower.jobs.ingest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
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
   * the catalog; each item at most once, and only after its upload (a watch for which no uploaded
   * unseen item is left is dropped).
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
    List<Watch> watches = new ArrayList<>(count);
    int previous = -1;
    long last = -1;
    for (int k = 0; k < count; k++) {
      // Strictly increasing timestamps: a history has one order.
      long offset = Math.max(offsets[k], last + 1);
      int day = (int) (offset / 86_400);
      int item = unseenItem(catalog, previous, channelStickiness, seen, day);
      if (item < 0) {
        continue;
      }
      seen.add(item);
      watches.add(new Watch(item, offset, engagement(catalog.itemTopics[item])));
      previous = item;
      last = offset;
    }
    return watches.toArray(Watch[]::new);
  }

  private int unseenItem(
      SyntheticCatalog catalog,
      int previous,
      double channelStickiness,
      Set<Integer> seen,
      int day) {
    for (int attempt = 0; attempt < RESAMPLE_TRIES; attempt++) {
      int item = nextItem(catalog, previous, channelStickiness, day);
      if (item >= 0 && !seen.contains(item)) {
        return item;
      }
    }
    // A user who has exhausted their tastes' head: any unseen item uploaded by then.
    int start = random.nextInt(catalog.items());
    for (int k = 0; k < catalog.items(); k++) {
      int item = (start + k) % catalog.items();
      if (!seen.contains(item) && catalog.uploadDay[item] <= day) {
        return item;
      }
    }
    return -1;
  }

  /** An item drawn as the user would on {@code day}; -1 when the draws kept missing. */
  private int nextItem(SyntheticCatalog catalog, int previous, double channelStickiness, int day) {
    AliasTable shelf;
    if (previous >= 0 && random.nextDouble() < channelStickiness) {
      shelf = catalog.itemsByChannel[catalog.itemChannel[previous]];
    } else if (random.nextDouble() < TRENDING_SHARE) {
      shelf = catalog.itemsOverall;
    } else {
      shelf = catalog.itemsByTopic[tasteTopic()];
    }
    return drawOnDay(catalog, shelf, day);
  }

  /**
   * A draw from {@code shelf} weighted by popularity times {@link SyntheticCatalog#appeal} on
   * {@code day}, by rejection; -1 after {@value #RESAMPLE_TRIES} rejections (a shelf of stale or
   * not yet uploaded items). With appeal 1 it is exactly one draw from the table.
   */
  private int drawOnDay(SyntheticCatalog catalog, AliasTable shelf, int day) {
    for (int attempt = 0; attempt < RESAMPLE_TRIES; attempt++) {
      int item = shelf.sample(random);
      double appeal = catalog.appeal(item, day);
      if (appeal >= 1 || (appeal > 0 && random.nextDouble() < appeal)) {
        return item;
      }
    }
    return -1;
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
