package io.twotower.jobs.features;

import io.twotower.jobs.JobErrors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The categorical columns of the {@code items} table, read off its schema: every STRING column
 * besides {@code item_id} is single-valued, every ARRAY&lt;STRING&gt; column multi-valued.
 */
public record ItemColumns(List<String> singleValued, List<String> multiValued)
    implements java.io.Serializable {

  public static ItemColumns of(StructType items) {
    List<String> single = new ArrayList<>();
    List<String> multi = new ArrayList<>();
    for (StructField field : items.fields()) {
      if (field.name().equals(Vocabulary.ITEM_FIELD)) {
        continue;
      }
      if (field.dataType().equals(DataTypes.StringType)) {
        single.add(field.name());
      } else if (field.dataType() instanceof ArrayType array
          && array.elementType().equals(DataTypes.StringType)) {
        multi.add(field.name());
      } else {
        throw JobErrors.nonCategoricalItemColumn(field.name(), field.dataType().simpleString());
      }
    }
    return new ItemColumns(List.copyOf(single), List.copyOf(multi));
  }

  public List<String> all() {
    List<String> all = new ArrayList<>(singleValued);
    all.addAll(multiValued);
    return all;
  }
}
