package io.twotower.jobs.evaluate;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Turns query histories (item indices, most recent first) into query vectors, on the executors.
 * {@link ShippedModelEncoder} runs the trained query tower; tests and baselines pass a lambda.
 */
@FunctionalInterface
public interface QueryEncoder extends Serializable {

  /** One vector per history, [histories.size()][dim]; dim must match the corpus. */
  float[][] encode(List<int[]> histories);

  /**
   * As {@link #encode(List)}, with each query's user fields (field name -> index, the {@code
   * user_field_idx} column); an encoder that takes none ignores them.
   */
  default float[][] encode(List<int[]> histories, List<Map<String, Integer>> userFields) {
    return encode(histories);
  }

  /** The user fields this encoder needs in every query (none by default). */
  default List<String> userFields() {
    return List.of();
  }

  /** The same vector for every query, e.g. {1} against a corpus of popularity counts. */
  static QueryEncoder constant(float[] vector) {
    float[] copy = vector.clone();
    return histories -> {
      float[][] out = new float[histories.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = copy;
      }
      return out;
    };
  }
}
