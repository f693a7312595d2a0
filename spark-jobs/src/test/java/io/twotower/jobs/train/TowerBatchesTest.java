package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.towers.CategoricalField;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.UniformItemSampler;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.collection.JavaConverters;

class TowerBatchesTest {
  private static final TowerConfig CONFIG =
      TowerConfig.builder()
          .itemCardinality(10)
          .historyLength(2)
          .itemEmbeddingDim(4)
          .itemFields(List.of(new CategoricalField("channel", 5, 1, 2)))
          .queryHiddenSizes(List.of())
          .itemHiddenSizes(List.of())
          .outputDim(4)
          .temperature(0.05)
          .correction(LogQCorrection.PAPER)
          .maskAccidentalHits(true)
          .optimizer(Optimizer.ADAM)
          .learningRate(0.01)
          .seed(1L)
          .seedItem(false)
          .build();
  // training_examples' columns that TowerInputs reads.
  static final StructType SCHEMA =
      new StructType()
          .add("history_idx", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("item_idx", DataTypes.IntegerType)
          .add(
              "field_idx",
              DataTypes.createMapType(
                  DataTypes.StringType, DataTypes.createArrayType(DataTypes.IntegerType)))
          .add("reward", DataTypes.DoubleType)
          .add("log_p", DataTypes.DoubleType);
  private static final UniformItemSampler CORPUS =
      new UniformItemSampler(new int[] {7, 8, 9}, new int[][][] {{{1}}, {{2}}, {{3}}});

  @Test
  void buildsOneBatchPerCallWithThatBatchsNegatives() {
    // Five examples in batches of two, one negative each: 2 + 1, 2 + 1, then the short 1 + 1.
    CountingRows rows = new CountingRows(5);
    TowerBatches batches =
        new TowerBatches(
            rows,
            new TowerInputs(List.of("channel"), List.of()),
            new TowerBatcher(CONFIG),
            2,
            batch -> CORPUS.sample(1, batch));

    MultiDataSet first = batches.next();
    assertThat(rows.read).as("rows read for the first batch").isEqualTo(2);
    assertThat(labels(first)[2]).containsExactly(0f, (float) Math.log(1 / 3.0), itemOf(1, 0L));
    assertThat(labels(first)[0][2]).isEqualTo(0f); // example 0's item

    MultiDataSet second = batches.next();
    MultiDataSet last = batches.next();
    assertThat(batches.hasNext()).isFalse();
    assertThat(labels(second)).hasNumberOfRows(3);
    assertThat(labels(second)[2][2]).isEqualTo(itemOf(1, 1L));
    assertThat(labels(last)).hasNumberOfRows(2);
    assertThat(labels(last)[0][2]).isEqualTo(4f);
    assertThat(labels(last)[1][2]).isEqualTo(itemOf(1, 2L));
  }

  private static float itemOf(int count, long seed) {
    return CORPUS.sample(count, seed).get(0).item();
  }

  private static float[][] labels(MultiDataSet batch) {
    return batch.getLabels(0).toFloatMatrix();
  }

  /** Rows of training_examples for items 0..n-1 (empty history, channel 0), counting reads. */
  private static final class CountingRows implements Iterator<Row> {
    private final List<Row> rows;
    int read;

    CountingRows(int n) {
      rows = IntStream.range(0, n).mapToObj(CountingRows::row).toList();
    }

    private static Row row(int item) {
      Object history = JavaConverters.asScalaBuffer(List.<Integer>of()).toSeq();
      Object fields =
          JavaConverters.mapAsScalaMap(
              Map.of("channel", JavaConverters.asScalaBuffer(List.of(0)).toSeq()));
      return new GenericRowWithSchema(new Object[] {history, item, fields, 1.0, -2.0}, SCHEMA);
    }

    @Override
    public boolean hasNext() {
      return read < rows.size();
    }

    @Override
    public Row next() {
      return rows.get(read++);
    }
  }
}
