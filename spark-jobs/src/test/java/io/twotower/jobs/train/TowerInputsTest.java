package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.tables.Table;
import io.twotower.towers.TowerExample;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

class TowerInputsTest {
  // training_examples' columns that TowerInputs reads.
  private static final StructType SCHEMA =
      new StructType()
          .add("history_idx", DataTypes.createArrayType(DataTypes.IntegerType))
          .add("item_idx", DataTypes.IntegerType)
          .add(
              "field_idx",
              DataTypes.createMapType(
                  DataTypes.StringType, DataTypes.createArrayType(DataTypes.IntegerType)))
          .add("reward", DataTypes.DoubleType)
          .add("log_p", DataTypes.DoubleType)
          .add(Table.USER_FIELD_IDX);

  @Test
  void userValuesFollowTheTowersFieldOrderAndAMissingFieldIsEmpty() {
    GenericRowWithSchema row =
        new GenericRowWithSchema(
            new Object[] {
              JavaConverters.asScalaBuffer(List.of(5, 3)).toSeq(),
              7,
              JavaConverters.mapAsScalaMap(
                  Map.of("channel", JavaConverters.asScalaBuffer(List.of(2)).toSeq())),
              1.0,
              -2.0,
              JavaConverters.mapAsScalaMap(Map.of("region", 4, "age", 1))
            },
            SCHEMA);

    TowerExample example =
        new TowerInputs(List.of("channel"), List.of("age", "region", "device")).example(row);

    assertThat(example.history()).containsExactly(5, 3);
    assertThat(example.fieldValues()).isDeepEqualTo(new int[][] {{2}});
    // device is not in the row: no value, which the towers reject naming the field.
    assertThat(example.userValues()).isDeepEqualTo(new int[][] {{1}, {4}, {}});
    assertThat(new TowerInputs(List.of("channel"), List.of()).example(row).userValues()).isEmpty();
  }
}
