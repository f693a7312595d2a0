package io.twotower.towers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A planted latent-factor world whose true preferences are known, so a model's recall can be set
 * against the best ranking there is.
 *
 * <ul>
 *   <li>{@value #ITEMS} items; item j has a unit factor vector v_j in R^{@value #FACTORS}: axis (j
 *       mod {@value #FACTORS}) plus N(0, {@value #ITEM_SPREAD}^2) noise on every axis, normalised.
 *       Its categorical feature is its dominant factor, argmax_k v_jk.
 *   <li>Popularity: items are ranked by a random permutation and get the log prior b_j = -ln(1 +
 *       rank_j), a Zipf skew of exponent 1: the head item is 200 times as likely as the tail one.
 *   <li>A user has a taste u, a uniformly random unit vector, and consumes items with P(j | u)
 *       proportional to exp(u.v_j / T + b_j), T = {@value #TEMPERATURE}, one after another without
 *       repeats (each draw renormalised over the items not yet consumed): the first {@value
 *       #HISTORY} form the history, the next one is the positive.
 * </ul>
 *
 * <p>Given u and the history, the positive's distribution is P(j | u) renormalised over the
 * unconsumed items, so ranking them by the true logit u.v_j / T + b_j (the oracle) maximises the
 * chance that it lands in the top K: no ranker does better in expectation. The towers see the
 * history, not u.
 */
final class PlantedFactors {
  static final int ITEMS = 200;
  static final int FACTORS = 4;
  static final int HISTORY = 5;
  static final double TEMPERATURE = 0.1;
  static final double ITEM_SPREAD = 0.5;

  private final double[][] itemFactors;
  private final double[] logPrior;

  private PlantedFactors(double[][] itemFactors, double[] logPrior) {
    this.itemFactors = itemFactors;
    this.logPrior = logPrior;
  }

  /** One user: the taste, the history (in consumption order) and the positive that followed. */
  record Event(double[] taste, int[] history, int positive) {}

  static PlantedFactors generate(Random random) {
    double[][] factors = new double[ITEMS][];
    for (int item = 0; item < ITEMS; item++) {
      double[] v = gaussian(random, ITEM_SPREAD);
      v[item % FACTORS] += 1;
      factors[item] = unit(v);
    }
    List<Integer> ranks = new ArrayList<>();
    for (int item = 0; item < ITEMS; item++) {
      ranks.add(item);
    }
    Collections.shuffle(ranks, random);
    double[] logPrior = new double[ITEMS];
    Arrays.setAll(logPrior, item -> -Math.log(1 + ranks.get(item)));
    return new PlantedFactors(factors, logPrior);
  }

  List<Event> events(int users, Random random) {
    List<Event> events = new ArrayList<>();
    for (int user = 0; user < users; user++) {
      double[] taste = unit(gaussian(random, 1));
      double[] weights = preferences(taste);
      int[] consumed = new int[HISTORY + 1];
      for (int n = 0; n <= HISTORY; n++) {
        consumed[n] = draw(weights, random);
        weights[consumed[n]] = 0; // no repeats
      }
      events.add(new Event(taste, Arrays.copyOf(consumed, HISTORY), consumed[HISTORY]));
    }
    return events;
  }

  /**
   * Examples with reward 1 and log q from the positives' counts in {@code events}: the paper's
   * aggregate estimate p_j = B * count_j / total, smoothed by one occurrence.
   */
  List<TowerExample> examples(List<Event> events, int batchSize) {
    int[] counts = new int[ITEMS];
    events.forEach(event -> counts[event.positive()]++);
    int[][][] fields = itemFields();
    List<TowerExample> examples = new ArrayList<>();
    for (Event event : events) {
      double p = batchSize * (counts[event.positive()] + 1.0) / events.size();
      examples.add(
          new TowerExample(
              event.history(),
              event.positive(),
              fields[event.positive()],
              1f,
              (float) Math.log(p)));
    }
    return examples;
  }

  /** The oracle: each event's true logits u.v_j / T + b_j over all items. */
  double[][] oracleScores(List<Event> events) {
    double[][] scores = new double[events.size()][];
    for (int i = 0; i < events.size(); i++) {
      scores[i] = logits(events.get(i).taste());
    }
    return scores;
  }

  /**
   * The best ranking from the history alone: P(j | history) by importance sampling over {@code
   * samples} tastes u_s drawn from the prior, sum_s w_s P_s(j) / (1 - P_s(H)) with w_s proportional
   * to the history's likelihood prod_n P_s(h_n) / (1 - P_s(h_1..h_n-1)) (draws without repeats) and
   * P_s(H) the mass of the whole history.
   */
  double[][] historyPosteriorScores(List<Event> events, int samples, Random random) {
    double[][] probabilities = new double[samples][];
    for (int s = 0; s < samples; s++) {
      double[] weights = preferences(unit(gaussian(random, 1)));
      double total = Arrays.stream(weights).sum();
      probabilities[s] = Arrays.stream(weights).map(w -> w / total).toArray();
    }
    double[][] scores = new double[events.size()][ITEMS];
    for (int i = 0; i < events.size(); i++) {
      int[] history = events.get(i).history();
      double[] logLikelihood = new double[samples];
      double[] unconsumed = new double[samples];
      for (int s = 0; s < samples; s++) {
        double consumed = 0;
        for (int item : history) {
          logLikelihood[s] += Math.log(probabilities[s][item] / (1 - consumed));
          consumed += probabilities[s][item];
        }
        unconsumed[s] = 1 - consumed;
      }
      double max = Arrays.stream(logLikelihood).max().orElseThrow();
      for (int s = 0; s < samples; s++) {
        double weight = Math.exp(logLikelihood[s] - max) / unconsumed[s];
        for (int item = 0; item < ITEMS; item++) {
          scores[i][item] += weight * probabilities[s][item];
        }
      }
    }
    return scores;
  }

  /** One field value per item: its dominant factor. */
  int[][][] itemFields() {
    int[][][] fields = new int[ITEMS][][];
    for (int item = 0; item < ITEMS; item++) {
      int dominant = 0;
      for (int k = 1; k < FACTORS; k++) {
        dominant = itemFactors[item][k] > itemFactors[item][dominant] ? k : dominant;
      }
      fields[item] = new int[][] {{dominant}};
    }
    return fields;
  }

  private double[] logits(double[] taste) {
    double[] logits = new double[ITEMS];
    for (int item = 0; item < ITEMS; item++) {
      double dot = 0;
      for (int k = 0; k < FACTORS; k++) {
        dot += taste[k] * itemFactors[item][k];
      }
      logits[item] = dot / TEMPERATURE + logPrior[item];
    }
    return logits;
  }

  /** Unnormalised P(j | u). */
  private double[] preferences(double[] taste) {
    double[] logits = logits(taste);
    double max = Arrays.stream(logits).max().orElseThrow();
    return Arrays.stream(logits).map(logit -> Math.exp(logit - max)).toArray();
  }

  private static int draw(double[] weights, Random random) {
    double u = random.nextDouble() * Arrays.stream(weights).sum();
    int last = 0;
    for (int item = 0; item < weights.length; item++) {
      if (weights[item] > 0) {
        last = item;
        u -= weights[item];
        if (u <= 0) {
          return item;
        }
      }
    }
    return last; // rounding left a sliver of u
  }

  private static double[] gaussian(Random random, double sigma) {
    double[] x = new double[FACTORS];
    Arrays.setAll(x, k -> sigma * random.nextGaussian());
    return x;
  }

  private static double[] unit(double[] x) {
    double norm = Math.sqrt(Arrays.stream(x).map(value -> value * value).sum());
    return Arrays.stream(x).map(value -> value / norm).toArray();
  }
}
