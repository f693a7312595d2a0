package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.towers.Nd4jKryoRegistrator;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

class ItemCorpusTest {

  @Test
  void survivesTheKryoRoundTripOfABroadcast() {
    // Local mode hands broadcasts over without serialising them; executors of a cluster get them
    // through Kryo, configured as SparkSessions configures it.
    SerializerInstance kryo =
        new KryoSerializer(
                new SparkConf().set("spark.kryo.registrator", Nd4jKryoRegistrator.class.getName()))
            .newInstance();
    ItemCorpus corpus =
        ItemCorpus.of(List.of("a", "b"), new int[] {7, 9}, new float[][] {{1f, 2f}, {3f, 4f}});

    ItemCorpus copy =
        kryo.deserialize(
            kryo.serialize(corpus, ClassTag$.MODULE$.apply(ItemCorpus.class)),
            ClassTag$.MODULE$.apply(ItemCorpus.class));

    assertThat(copy.size()).isEqualTo(2);
    assertThat(copy.rowOf("b")).isEqualTo(1);
    assertThat(copy.rowOf("zz")).isEqualTo(-1);
    assertThat(copy.itemIdx(1)).isEqualTo(9);
    assertThat(copy.vector(1)).containsExactly(3f, 4f);
  }

  @Test
  void rejectsAnItemListedTwice() {
    assertThatThrownBy(
            () ->
                ItemCorpus.of(List.of("a", "b", "a"), new int[3], new float[][] {{1f}, {2f}, {3f}}))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Item a appears twice in the retrieval corpus")
        .hasMessageContaining("rerun the features stage");
  }
}
