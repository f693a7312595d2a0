package io.twotower.jobs.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLocationTest {

  @TempDir Path scratch;

  @Test
  void aUriIsKeptAsGiven() {
    assertThat(DataLocation.of("s3a://bucket/two-tower").resolve("events").toString())
        .isEqualTo("s3a://bucket/two-tower/events");
    assertThat(DataLocation.of("hdfs://namenode:8020/data").resolve("models/LATEST").toString())
        .isEqualTo("hdfs://namenode:8020/data/models/LATEST");
  }

  @Test
  void aPlainPathIsTheAbsoluteFileUriOfTheLocalFolder() {
    String cwd = Path.of("").toAbsolutePath().toString();

    assertThat(DataLocation.of("data").toString()).isEqualTo("file:" + cwd + "/data");
    assertThat(DataLocation.of("./a/../data")).isEqualTo(DataLocation.of("data"));
    // A colon without a slash after it is part of a folder name, not a scheme.
    assertThat(DataLocation.of("runs:1").toString()).isEqualTo("file:" + cwd + "/runs:1");
  }

  @Test
  void theSpellingsOfOneLocalFolderAreEqual() {
    // scratch exists, so java.nio's URI of it ends with a slash.
    DataLocation local = DataLocation.local(scratch);

    assertThat(local.toString()).isEqualTo("file:" + scratch);
    assertThat(DataLocation.of("file://" + scratch)).isEqualTo(local);
    assertThat(DataLocation.of("file:" + scratch)).isEqualTo(local);
    assertThat(DataLocation.of(scratch.toString())).isEqualTo(local);
    assertThat(local.resolve("models").parent()).isEqualTo(local);
    assertThat(local.resolve("models").name()).isEqualTo("models");
  }

  @Test
  void aFolderWithASpaceKeepsItsName() {
    DataLocation spaced = DataLocation.of("/tmp/some data");

    assertThat(spaced.toString()).isEqualTo("file:/tmp/some data");
    assertThat(spaced.resolve("events").hadoopPath().toUri().getPath())
        .isEqualTo("/tmp/some data/events");
  }
}
