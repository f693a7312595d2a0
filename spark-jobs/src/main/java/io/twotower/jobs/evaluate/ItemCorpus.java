package io.twotower.jobs.evaluate;

import io.twotower.jobs.JobErrors;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The items a query is ranked against: ids, their encoded index and one vector each, stored
 * row-major in one float array so a broadcast is a few large arrays. Row order is the tie-break of
 * {@link ExactTopK} (equal scores: the earlier row wins); {@link ItemCorpora} builds corpora in
 * {@code item_id} order so that rankings are reproducible.
 */
public final class ItemCorpus implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] itemIds;
  private final int[] itemIdx;
  private final float[] vectors;
  private final int dim;
  private final Map<String, Integer> rowOf;

  private ItemCorpus(String[] itemIds, int[] itemIdx, float[] vectors, int dim) {
    this.itemIds = itemIds;
    this.itemIdx = itemIdx;
    this.vectors = vectors;
    this.dim = dim;
    this.rowOf = new HashMap<>(itemIds.length * 2);
    for (int row = 0; row < itemIds.length; row++) {
      if (rowOf.put(itemIds[row], row) != null) {
        throw JobErrors.duplicateCorpusItem(itemIds[row]);
      }
    }
  }

  /**
   * A corpus of {@code itemIds.size()} items; {@code vectors[i]} belongs to {@code itemIds[i]}.
   *
   * @param itemIdx encoded index per item (only carried along for the item_embeddings table)
   */
  public static ItemCorpus of(List<String> itemIds, int[] itemIdx, float[][] vectors) {
    int n = itemIds.size();
    if (itemIdx.length != n || vectors.length != n) {
      throw new IllegalArgumentException(
          n + " ids, " + itemIdx.length + " indices and " + vectors.length + " vectors");
    }
    int dim = n == 0 ? 0 : vectors[0].length;
    float[] flat = new float[n * dim];
    for (int row = 0; row < n; row++) {
      if (vectors[row].length != dim) {
        throw new IllegalArgumentException(
            "vector " + row + " has " + vectors[row].length + " values, expected " + dim);
      }
      System.arraycopy(vectors[row], 0, flat, row * dim, dim);
    }
    return new ItemCorpus(itemIds.toArray(new String[0]), itemIdx.clone(), flat, dim);
  }

  public int size() {
    return itemIds.length;
  }

  public int dim() {
    return dim;
  }

  public String itemId(int row) {
    return itemIds[row];
  }

  public int itemIdx(int row) {
    return itemIdx[row];
  }

  /** A copy of the row's vector. */
  public float[] vector(int row) {
    float[] v = new float[dim];
    System.arraycopy(vectors, row * dim, v, 0, dim);
    return v;
  }

  /** The row of {@code itemId}, or -1 when the item is not in the corpus. */
  public int rowOf(String itemId) {
    Integer row = rowOf.get(itemId);
    return row == null ? -1 : row;
  }

  /** Dot product of {@code query} with row {@code row}. */
  float score(float[] query, int row) {
    return ExactTopK.dot(query, vectors, row * dim, dim);
  }

  float[] vectors() {
    return vectors;
  }
}
