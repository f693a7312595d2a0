package io.twotower.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.twotower.jobs.JobException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CompareModelsCommandTest {

  @Test
  void everyCombinationOfTheVariedValuesFirstKeySlowest() {
    Map<String, String> vary = new LinkedHashMap<>();
    vary.put("train.temperature", "0.05,0.1");
    vary.put("train.correction", "none, paper,negatives-only");

    List<Map<String, String>> combinations = CompareModelsCommand.combinations(vary);

    assertThat(combinations)
        .extracting(c -> c.get("train.temperature") + "/" + c.get("train.correction"))
        .containsExactly(
            "0.05/none",
            "0.05/paper",
            "0.05/negatives-only",
            "0.1/none",
            "0.1/paper",
            "0.1/negatives-only");
    assertThat(CompareModelsCommand.combinations(Map.of())).containsExactly(Map.of());
  }

  @Test
  void anEmptyValueIsRejectedNamingTheKey() {
    assertThatThrownBy(() -> CompareModelsCommand.combinations(Map.of("train.epochs", "2,,4")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("train.epochs=2,,4");
  }

  @Test
  void selectPerMustBeAVariedKeyAndPatiencePositive() {
    CompareModelsCommand compare = new CompareModelsCommand();
    new CommandLine(compare)
        .parseArgs("--vary", "train.temperature=0.05,0.1", "--select-per", "train.correction");
    assertThatThrownBy(() -> compare.compareOn(null))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("--select-per train.correction is not one of the --vary keys")
        .hasMessageContaining("train.temperature");

    CompareModelsCommand impatient = new CompareModelsCommand();
    new CommandLine(impatient).parseArgs("--patience", "0");
    assertThatThrownBy(() -> impatient.compareOn(null))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("--patience 0");
  }

  @Test
  void tableGivesMeanAndSampleSdOverRuns() {
    // Two runs: R@10 0.1 and 0.2 -> mean 0.15, sd sqrt(((0.05)^2 * 2) / 1) = 0.070711.
    ComparisonTable table =
        new ComparisonTable(
            "leave-last-out",
            610,
            List.of(10, 100),
            Map.of("tau=0.05", List.of(List.of(0.1, 0.3), List.of(0.2, 0.5))));

    assertThat(table.mean("tau=0.05", 10)).isCloseTo(0.15, within(1e-12));
    assertThat(table.sd("tau=0.05", 10)).isCloseTo(0.070711, within(1e-6));
    assertThat(table.mean("tau=0.05", 100)).isCloseTo(0.4, within(1e-12));
    assertThat(table.text()).contains("0.1500 ± 0.0707", "610 held-out events");
    assertThat(table.csv()).contains("\"tau=0.05\",leave-last-out,610,2,10,0.15000,0.07071");
  }

  @Test
  void tableNamesTheEventsItRankedAndRowsCanFollowAnotherTable() {
    ComparisonTable validation =
        new ComparisonTable(
            "leave-last-out",
            "validation",
            609,
            List.of(10),
            Map.of("tau=0.05", List.of(List.of(0.1))));

    assertThat(validation.text()).contains("Recall@K on the validation events of leave-last-out");
    assertThat(validation.csv())
        .startsWith(ComparisonTable.CSV_HEADER)
        .endsWith("\"tau=0.05\",leave-last-out,609,1,10,0.10000,,validation\n");
    assertThat(validation.csvRows())
        .isEqualTo(validation.csv().substring(ComparisonTable.CSV_HEADER.length()));
    assertThat(validation.csvRows()).doesNotContain("method,");
  }

  @Test
  void oneRunHasNoSd() {
    ComparisonTable table =
        new ComparisonTable(
            "leave-last-out", 610, List.of(10), Map.of("popularity", List.of(List.of(0.043))));

    assertThat(table.sd("popularity", 10)).isNaN();
    assertThat(table.text().lines().filter(l -> l.startsWith("popularity")))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains("0.0430")
        .doesNotContain("±");
  }
}
