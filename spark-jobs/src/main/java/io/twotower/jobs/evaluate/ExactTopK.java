package io.twotower.jobs.evaluate;

import io.twotower.jobs.JobErrors;
import java.util.Arrays;

/**
 * Exact full-corpus top-K by dot product for a block of queries. Items are scanned in tiles that
 * stay in cache while every query of the block is scored against them; each query keeps a bounded
 * min-heap of its K best, so a query costs O(n d + n log K), not a sort of the corpus.
 *
 * <p>Order is deterministic: higher score first, equal scores by corpus row (earlier row first).
 */
public final class ExactTopK {

  /** One retrieved item: its corpus row and score. */
  public record Hit(int row, float score) {}

  /** Items scored per tile; 512 rows of 64 floats are 128 KB, an L2 cache's worth. */
  static final int ITEM_TILE = 512;

  private ExactTopK() {}

  /**
   * The {@code k} best corpus rows of each query, best first.
   *
   * @param queries [q][corpus.dim()] query vectors
   * @param excludedRows per query, corpus rows that must not be returned (any order, may repeat)
   * @return [q][min(k, corpus.size() - excluded)] hits
   */
  public static Hit[][] search(ItemCorpus corpus, float[][] queries, int[][] excludedRows, int k) {
    if (k < 1) {
      throw JobErrors.invalidTopK(k);
    }
    if (excludedRows.length != queries.length) {
      throw JobErrors.mismatchedExclusions(queries.length, excludedRows.length);
    }
    int q = queries.length;
    int n = corpus.size();
    int dim = corpus.dim();
    float[] vectors = corpus.vectors();
    BoundedHeap[] heaps = new BoundedHeap[q];
    int[][] excluded = new int[q][];
    int[] cursor = new int[q];
    for (int j = 0; j < q; j++) {
      if (queries[j].length != dim) {
        throw JobErrors.queryDimensionMismatch(j, queries[j].length, dim);
      }
      heaps[j] = new BoundedHeap(Math.min(k, n));
      excluded[j] = excludedRows[j].clone();
      Arrays.sort(excluded[j]);
    }
    for (int start = 0; start < n; start += ITEM_TILE) {
      int end = Math.min(n, start + ITEM_TILE);
      for (int j = 0; j < q; j++) {
        float[] query = queries[j];
        int[] skip = excluded[j];
        int c = cursor[j];
        BoundedHeap heap = heaps[j];
        for (int row = start; row < end; row++) {
          while (c < skip.length && skip[c] < row) {
            c++;
          }
          if (c < skip.length && skip[c] == row) {
            continue;
          }
          heap.offer(dot(query, vectors, row * dim, dim), row);
        }
        cursor[j] = c;
      }
    }
    Hit[][] hits = new Hit[q][];
    for (int j = 0; j < q; j++) {
      hits[j] = heaps[j].bestFirst();
    }
    return hits;
  }

  /** Dot product of {@code query} with {@code dim} values of {@code matrix} from {@code offset}. */
  static float dot(float[] query, float[] matrix, int offset, int dim) {
    // Four accumulators let the JIT overlap the multiply-adds; the order is fixed, so scores are
    // reproducible run to run.
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    int i = 0;
    for (; i + 3 < dim; i += 4) {
      s0 += query[i] * matrix[offset + i];
      s1 += query[i + 1] * matrix[offset + i + 1];
      s2 += query[i + 2] * matrix[offset + i + 2];
      s3 += query[i + 3] * matrix[offset + i + 3];
    }
    for (; i < dim; i++) {
      s0 += query[i] * matrix[offset + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** True when (scoreA, rowA) ranks below (scoreB, rowB). NaN ranks below every number. */
  static boolean worse(float scoreA, int rowA, float scoreB, int rowB) {
    int byScore = Float.compare(scoreA, scoreB);
    if (Float.isNaN(scoreA) != Float.isNaN(scoreB)) {
      return Float.isNaN(scoreA);
    }
    return byScore < 0 || (byScore == 0 && rowA > rowB);
  }

  /** The K best (score, row) pairs seen so far; the worst of them at the root. */
  private static final class BoundedHeap {
    private final float[] scores;
    private final int[] rows;
    private int size;

    BoundedHeap(int capacity) {
      scores = new float[capacity];
      rows = new int[capacity];
    }

    void offer(float score, int row) {
      if (scores.length == 0) {
        return;
      }
      if (size < scores.length) {
        scores[size] = score;
        rows[size] = row;
        siftUp(size++);
      } else if (worse(scores[0], rows[0], score, row)) {
        scores[0] = score;
        rows[0] = row;
        siftDown(0);
      }
    }

    Hit[] bestFirst() {
      Hit[] out = new Hit[size];
      for (int i = size - 1; i >= 0; i--) {
        out[i] = new Hit(rows[0], scores[0]);
        swap(0, --size);
        siftDown(0);
      }
      return out;
    }

    private void siftUp(int i) {
      while (i > 0) {
        int parent = (i - 1) / 2;
        if (!worse(scores[i], rows[i], scores[parent], rows[parent])) {
          return;
        }
        swap(i, parent);
        i = parent;
      }
    }

    private void siftDown(int i) {
      while (true) {
        int left = 2 * i + 1;
        int worst = i;
        if (left < size && worse(scores[left], rows[left], scores[worst], rows[worst])) {
          worst = left;
        }
        int right = left + 1;
        if (right < size && worse(scores[right], rows[right], scores[worst], rows[worst])) {
          worst = right;
        }
        if (worst == i) {
          return;
        }
        swap(i, worst);
        i = worst;
      }
    }

    private void swap(int a, int b) {
      float s = scores[a];
      scores[a] = scores[b];
      scores[b] = s;
      int r = rows[a];
      rows[a] = rows[b];
      rows[b] = r;
    }
  }
}
