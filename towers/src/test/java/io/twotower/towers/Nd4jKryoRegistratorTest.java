package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** Arrays through Spark's Kryo serializer configured with the jobs' registrator, as Spark does. */
class Nd4jKryoRegistratorTest {

  private static final SerializerInstance KRYO =
      new KryoSerializer(
              new SparkConf().set("spark.kryo.registrator", Nd4jKryoRegistrator.class.getName()))
          .newInstance();

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"FLOAT", "DOUBLE", "HALF", "INT", "LONG", "BOOL", "BYTE"})
  void anArrayOfEveryCommonTypeComesBackEqual(DataType type) {
    INDArray array = Nd4j.rand(DataType.DOUBLE, 3, 5).muli(100).subi(50).castTo(type);

    INDArray copy = roundTrip(array, INDArray.class);

    assertThat(copy.dataType()).isEqualTo(type);
    assertThat(copy.shape()).isEqualTo(array.shape());
    assertThat(copy).isEqualTo(array);
  }

  @Test
  void aStringArrayIsRefusedWithTheReason() {
    INDArray strings = Nd4j.create(List.of("a", "b"), new long[] {2});

    assertThatThrownBy(() -> roundTrip(strings, INDArray.class))
        .hasStackTraceContaining("ND4J string arrays cannot go through Spark's serializer");
  }

  static List<INDArray> shapes() {
    INDArray matrix = Nd4j.arange(0, 24).castTo(DataType.FLOAT).reshape('c', 4, 6);
    return List.of(
        // A column of a c-order matrix: a view with a stride, and offset into its buffer.
        matrix.get(NDArrayIndex.all(), NDArrayIndex.point(3)),
        // Rows 1-2 of it, and its transpose (an f-order view of the same buffer).
        matrix.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()),
        matrix.transpose(),
        Nd4j.arange(0, 24).castTo(DataType.FLOAT).reshape('f', 2, 3, 4),
        Nd4j.scalar(2.5f),
        Nd4j.empty(DataType.FLOAT),
        Nd4j.create(DataType.FLOAT, 0, 3));
  }

  @ParameterizedTest
  @MethodSource("shapes")
  void viewsOrdersScalarsAndEmptyArraysComeBackEqual(INDArray array) {
    INDArray copy = roundTrip(array, INDArray.class);

    assertThat(copy.shape()).isEqualTo(array.shape());
    assertThat(copy.isEmpty()).isEqualTo(array.isEmpty());
    assertThat(copy).isEqualTo(array);
  }

  /** What parameter averaging sends: the round's broadcast and each worker's result. */
  @Test
  void parameterAveragingsBroadcastAndResultComeBackEqual() {
    TwoTowerModel model = TwoTowerModel.create(LocalTrainerTest.plantedConfig());
    INDArray params = model.trainingGraph().params();
    INDArray state = Nd4j.rand(DataType.FLOAT, 1, 1000);
    NetBroadcastTuple round =
        new NetBroadcastTuple(model.trainingGraph().getConfiguration(), params, state);

    NetBroadcastTuple broadcast = roundTrip(round, NetBroadcastTuple.class);
    ParameterAveragingTrainingResult result =
        roundTrip(
            new ParameterAveragingTrainingResult(params, state, 4.5, null, null, null),
            ParameterAveragingTrainingResult.class);

    assertThat(broadcast.getParameters()).isEqualTo(params);
    assertThat(broadcast.getUpdaterState()).isEqualTo(state);
    assertThat(broadcast.getGraphConfiguration().toJson())
        .isEqualTo(model.trainingGraph().getConfiguration().toJson());
    assertThat(result.getParameters()).isEqualTo(params);
    assertThat(result.getUpdaterState()).isEqualTo(state);
    assertThat(result.getScore()).isEqualTo(4.5);
  }

  private static <T> T roundTrip(T value, Class<T> type) {
    ClassTag<T> tag = ClassTag$.MODULE$.apply(type);
    return KRYO.deserialize(KRYO.serialize(value, tag), tag);
  }
}
