package io.twotower.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.jobs.TinyModels;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.FailingFileSystem;
import io.twotower.towers.TwoTowerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model store on Hadoop's FileSystem API: a round trip through a {@code file:} URI, and
 * failures injected in the middle of a save (by {@link FailingFileSystem}) that must leave LATEST
 * on the model it named before.
 */
class ModelStoreTest {

  @TempDir Path scratch;

  @Test
  void aModelSavedToAFileUriLoadsWithTheSameParametersAndLatestNamesIt() throws IOException {
    ModelStore store =
        new ModelStore(DataLocation.of(scratch.toUri().toString()), new Configuration());
    TwoTowerModel model = TinyModels.withGenre(20, 3);

    String id = store.newModelId();
    DataLocation dir = store.save(id, model, "{\"model_id\": \"" + id + "\"}");

    assertThat(dir.toString()).isEqualTo("file:" + scratch.resolve("models").resolve(id));
    assertThat(store.latestId()).isEqualTo(id);
    assertThat(store.metadata(id)).contains(id);
    TwoTowerModel loaded = store.load(id);
    assertThat(loaded.config()).isEqualTo(model.config());
    assertThat(loaded.trainingGraph().params()).isEqualTo(model.trainingGraph().params());
    Path models = scratch.resolve("models");
    assertThat(models.resolve(id).resolve("towers").resolve("training-graph.zip")).isRegularFile();
    assertThat(models.resolve(id).resolve("_SUCCESS")).exists();
    assertThat(temporaries(models)).isEmpty();
  }

  @Test
  void aFailureWhileWritingTheModelLeavesLatestOnThePreviousModelAndNoFolder() throws IOException {
    ModelStore healthy = failingStore("");
    String first = saved(healthy);
    String second = first + "-next";

    assertThatThrownBy(() -> saved(failingStore("metadata"), second))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Cannot save model " + second + " to failing:")
        .hasMessageContaining("injected failure");
    assertThat(healthy.latestId()).isEqualTo(first);
    assertThat(scratch.resolve("models").resolve(second)).doesNotExist();
    assertThat(temporaries(scratch.resolve("models"))).isEmpty();
    assertThat(healthy.load(first).config().itemCardinality()).isEqualTo(20);
  }

  @Test
  void aFailureWhileMovingLatestLeavesItOnThePreviousModel() {
    ModelStore healthy = failingStore("");
    String first = saved(healthy);
    String second = first + "-next";

    assertThatThrownBy(() -> saved(failingStore("_tmp-LATEST"), second))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Cannot point failing:")
        .hasMessageContaining("injected failure");
    assertThat(healthy.latestId()).isEqualTo(first);
    // The new model itself is complete; it is just not the latest.
    assertThat(healthy.load(second).config().itemCardinality()).isEqualTo(20);
  }

  @Test
  void aModelWithoutItsMarkerIsRefusedNamingItsUri() throws IOException {
    ModelStore store = new ModelStore(DataLocation.local(scratch), new Configuration());
    String id = store.newModelId();
    store.save(id, TinyModels.withGenre(20, 3), "{}");
    Files.delete(scratch.resolve("models").resolve(id).resolve("_SUCCESS"));

    assertThatThrownBy(() -> store.load(id))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Model " + id + " at file:" + scratch.resolve("models").resolve(id))
        .hasMessageContaining("is incomplete");
  }

  @Test
  void missingModelsAreReportedWithTheirUri() {
    ModelStore store = new ModelStore(DataLocation.local(scratch), new Configuration());

    assertThatThrownBy(store::latestId)
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Trained model not found at file:" + scratch.resolve("models"));
    assertThatThrownBy(() -> store.load("two-tower-none"))
        .isInstanceOf(JobException.class)
        .hasMessageContaining(
            "Model two-tower-none not found at file:"
                + scratch.resolve("models").resolve("two-tower-none"));
  }

  /** The store under scratch on the failing: file system, failing files named {@code failOn}*. */
  private ModelStore failingStore(String failOn) {
    return new ModelStore(
        FailingFileSystem.location(scratch), FailingFileSystem.configuration(failOn));
  }

  private static String saved(ModelStore store) {
    return saved(store, store.newModelId());
  }

  private static String saved(ModelStore store, String id) {
    store.save(id, TinyModels.withGenre(20, 3), "{}");
    return id;
  }

  private static java.util.List<Path> temporaries(Path models) throws IOException {
    try (Stream<Path> files = Files.list(models)) {
      return files.filter(f -> f.getFileName().toString().startsWith("_tmp-")).toList();
    }
  }
}
