package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.evaluate.ExactTopK.Hit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ExactTopKTest {

  @Test
  void matchesBruteForceOnRandomVectorsWithExclusions() {
    Random random = new Random(7);
    // More items than one tile, so the heap carries state across tiles.
    ItemCorpus corpus = randomCorpus(random, 1_300, 16, false);
    float[][] queries = randomVectors(random, 40, 16, false);
    int[][] excluded = randomExclusions(random, queries.length, corpus.size(), 50);

    for (int k : new int[] {1, 10, 300}) {
      Hit[][] hits = ExactTopK.search(corpus, queries, excluded, k);
      for (int j = 0; j < queries.length; j++) {
        assertThat(hits[j]).containsExactly(bruteForce(corpus, queries[j], excluded[j], k));
      }
    }
  }

  @Test
  void breaksTiesByCorpusRow() {
    Random random = new Random(11);
    // Components in {-1, 0, 1}: dot products are small integers, so ties are everywhere and exact.
    ItemCorpus corpus = randomCorpus(random, 700, 3, true);
    float[][] queries = randomVectors(random, 20, 3, true);
    int[][] excluded = randomExclusions(random, queries.length, corpus.size(), 30);

    Hit[][] hits = ExactTopK.search(corpus, queries, excluded, 100);

    for (int j = 0; j < queries.length; j++) {
      assertThat(hits[j]).containsExactly(bruteForce(corpus, queries[j], excluded[j], 100));
      for (int i = 1; i < hits[j].length; i++) {
        Hit before = hits[j][i - 1];
        Hit after = hits[j][i];
        assertThat(
                before.score() > after.score()
                    || (before.score() == after.score() && before.row() < after.row()))
            .as("query %d, positions %d and %d", j, i - 1, i)
            .isTrue();
      }
    }
  }

  @Test
  void returnsEveryRemainingItemWhenKExceedsTheCorpusMinusExclusions() {
    ItemCorpus corpus =
        ItemCorpus.of(
            List.of("a", "b", "c", "d"),
            new int[] {0, 1, 2, 3},
            new float[][] {{1f, 0f}, {0f, 1f}, {0.5f, 0.5f}, {-1f, 0f}});
    float[][] query = {{1f, 0f}};

    // b and the repeated d excluded: a (1.0), c (0.5) remain, whatever k is.
    Hit[] hits = ExactTopK.search(corpus, query, new int[][] {{3, 1, 3}}, 10)[0];
    Hit[] all = ExactTopK.search(corpus, query, new int[][] {{}}, 10)[0];

    assertThat(hits).containsExactly(new Hit(0, 1f), new Hit(2, 0.5f));
    // a 1.0, c 0.5, b 0.0, d -1.0
    assertThat(all).extracting(Hit::row).containsExactly(0, 2, 1, 3);
  }

  @Test
  void returnsNothingWhenEveryItemIsExcluded() {
    ItemCorpus corpus = ItemCorpus.of(List.of("a"), new int[] {0}, new float[][] {{1f}});

    assertThat(ExactTopK.search(corpus, new float[][] {{1f}}, new int[][] {{0}}, 5)[0]).isEmpty();
  }

  @Test
  void rejectsQueriesOfAnotherWidth() {
    ItemCorpus corpus = ItemCorpus.of(List.of("a"), new int[] {0}, new float[][] {{1f, 0f}});

    assertThatThrownBy(() -> ExactTopK.search(corpus, new float[][] {{1f}}, new int[][] {{}}, 1))
        .hasMessageContaining("query 0 has 1 values, the corpus 2");
  }

  /** The reference: score everything, drop exclusions, sort fully. */
  private static Hit[] bruteForce(ItemCorpus corpus, float[] query, int[] excluded, int k) {
    List<Hit> all = new ArrayList<>();
    for (int row = 0; row < corpus.size(); row++) {
      int r = row;
      if (IntStream.of(excluded).noneMatch(e -> e == r)) {
        all.add(new Hit(row, corpus.score(query, row)));
      }
    }
    all.sort(Comparator.comparing(Hit::score, Comparator.reverseOrder()).thenComparing(Hit::row));
    return all.subList(0, Math.min(k, all.size())).toArray(Hit[]::new);
  }

  private static ItemCorpus randomCorpus(Random random, int n, int dim, boolean ternary) {
    List<String> ids = IntStream.range(0, n).mapToObj(i -> "item" + i).toList();
    return ItemCorpus.of(
        ids, IntStream.range(0, n).toArray(), randomVectors(random, n, dim, ternary));
  }

  private static float[][] randomVectors(Random random, int n, int dim, boolean ternary) {
    float[][] vectors = new float[n][dim];
    for (float[] v : vectors) {
      for (int i = 0; i < dim; i++) {
        v[i] = ternary ? random.nextInt(3) - 1 : (float) random.nextGaussian();
      }
    }
    return vectors;
  }

  private static int[][] randomExclusions(Random random, int queries, int n, int max) {
    int[][] excluded = new int[queries][];
    for (int j = 0; j < queries; j++) {
      excluded[j] = random.ints(random.nextInt(max + 1), 0, n).toArray();
    }
    return excluded;
  }
}
