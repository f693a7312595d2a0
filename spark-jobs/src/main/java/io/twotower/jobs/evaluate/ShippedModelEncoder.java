package io.twotower.jobs.evaluate;

import io.twotower.jobs.JobErrors;
import io.twotower.towers.CategoricalField;
import io.twotower.towers.TwoTowerModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The query tower of a trained model, run on the executors. The model's saved files are broadcast
 * as bytes (a few MB for tens of thousands of items), so executors need no shared file system and
 * no access to the driver's data-dir: each task thread loads its own copy from those bytes once
 * (the model's embedding methods are synchronized, so one shared copy would serialise the cores).
 */
public final class ShippedModelEncoder implements QueryEncoder {
  private static final long serialVersionUID = 1L;

  /** The model this task thread loaded last (one at a time: a new shipment replaces it). */
  private static final ThreadLocal<Loaded> LOADED = new ThreadLocal<>();

  private record Loaded(String key, TwoTowerModel model) {}

  private final String key;
  private final int historyLength;
  private final List<String> userFields;
  private final Broadcast<LinkedHashMap<String, byte[]>> files;

  private ShippedModelEncoder(
      String key,
      int historyLength,
      List<String> userFields,
      Broadcast<LinkedHashMap<String, byte[]>> files) {
    this.key = key;
    this.historyLength = historyLength;
    this.userFields = userFields;
    this.files = files;
  }

  /** Broadcasts {@code model}, its saved files as bytes. */
  public static ShippedModelEncoder of(SparkSession spark, TwoTowerModel model) {
    LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
    try {
      model.save(
          name ->
              new ByteArrayOutputStream() {
                @Override
                public void close() {
                  files.put(name, toByteArray());
                }
              });
    } catch (IOException e) {
      throw JobErrors.modelShippingFailure("pack the model for the executors", e);
    }
    return new ShippedModelEncoder(
        UUID.randomUUID().toString(),
        model.config().historyLength(),
        model.config().userFields().stream().map(CategoricalField::name).toList(),
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(files));
  }

  /** Histories longer than the model's historyLength keep their most recent items. */
  @Override
  public float[][] encode(List<int[]> histories) {
    return model().queryEmbeddings(capped(histories));
  }

  /** As {@link #encode(List)}, with each query's user fields in the model's order. */
  @Override
  public float[][] encode(List<int[]> histories, List<Map<String, Integer>> fields) {
    List<int[][]> userValues = new ArrayList<>(fields.size());
    for (Map<String, Integer> byField : fields) {
      int[][] values = new int[userFields.size()][];
      for (int u = 0; u < values.length; u++) {
        Integer value = byField.get(userFields.get(u));
        if (value == null) {
          throw JobErrors.queryLacksUserField(userFields.get(u), byField.keySet(), userFields);
        }
        values[u] = new int[] {value};
      }
      userValues.add(values);
    }
    return model().queryEmbeddings(capped(histories), userValues);
  }

  @Override
  public List<String> userFields() {
    return userFields;
  }

  private List<int[]> capped(List<int[]> histories) {
    List<int[]> capped = new ArrayList<>(histories.size());
    for (int[] history : histories) {
      capped.add(history.length > historyLength ? Arrays.copyOf(history, historyLength) : history);
    }
    return capped;
  }

  private TwoTowerModel model() {
    Loaded loaded = LOADED.get();
    if (loaded == null || !loaded.key().equals(key)) {
      loaded = new Loaded(key, unpack());
      LOADED.set(loaded);
    }
    return loaded.model();
  }

  private TwoTowerModel unpack() {
    Map<String, byte[]> shipped = files.value();
    try {
      return TwoTowerModel.load(name -> new ByteArrayInputStream(shipped.get(name)));
    } catch (IOException e) {
      throw JobErrors.modelShippingFailure("unpack the shipped model on this executor", e);
    }
  }
}
