package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.storage.DataLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelectedConfigTest {

  @TempDir Path dir;

  @Test
  void includesTheBaseFileAndOverridesItWithTheSelectedSettings() throws Exception {
    // The project's MovieLens config, itself including local.conf by a relative path.
    Path base = Path.of("..", "conf", "movielens.conf");
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("evaluate.baselines", "[popularity, als]");
    settings.put("data-dir", "/tmp/some data");
    settings.put("train.temperature", "0.07");
    settings.put("two-tower.train.correction", "none");
    settings.put("train.epochs", "5");
    Path file = dir.resolve("selected.conf");
    Files.writeString(file, SelectedConfig.render(base, settings, "chosen on validation\nline 2"));

    Config loaded = ConfigLoader.load(file, Map.of());
    JobConfig config = JobConfig.from(loaded);

    assertThat(Files.readString(file))
        .startsWith("# chosen on validation\n# line 2\ninclude file(");
    assertThat(loaded.getDouble("train.temperature")).isEqualTo(0.07);
    assertThat(loaded.getString("train.correction")).isEqualTo("none");
    assertThat(loaded.getInt("train.epochs")).isEqualTo(5);
    assertThat(loaded.getStringList("evaluate.baselines")).containsExactly("popularity", "als");
    assertThat(config.dataDir()).isEqualTo(DataLocation.of("file:/tmp/some data"));
    // From the included files: movielens.conf's source and its local.conf's Spark master.
    assertThat(loaded.getString("source.kind")).isEqualTo("movielens");
    assertThat(loaded.getString("spark.master")).isEqualTo("local[2]");
  }

  @Test
  void withoutABaseFileOnlyTheSettings() throws Exception {
    Path file = dir.resolve("selected.conf");
    Files.writeString(
        file, SelectedConfig.render(null, Map.of("train.temperature", "0.2"), "no base"));

    Config loaded = ConfigLoader.load(file, Map.of());

    assertThat(Files.readString(file)).doesNotContain("include");
    assertThat(loaded.getDouble("train.temperature")).isEqualTo(0.2);
  }
}
