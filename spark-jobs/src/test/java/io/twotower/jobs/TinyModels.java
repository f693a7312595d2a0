package io.twotower.jobs;

import io.twotower.towers.CategoricalField;
import io.twotower.towers.LogQCorrection;
import io.twotower.towers.Optimizer;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TwoTowerModel;
import java.util.List;

/** Untrained two-tower models small enough for stage tests on hand-made tables. */
public final class TinyModels {

  private TinyModels() {}

  /**
   * A fresh model over {@code items} item indices with a history of 3 and one single-valued item
   * field, "genre", of {@code genres} values; 4-dimensional embeddings and outputs, one hidden
   * layer of 8 in each tower, seed 42.
   */
  public static TwoTowerModel withGenre(int items, int genres) {
    return TwoTowerModel.create(
        TowerConfig.builder()
            .itemCardinality(items)
            .historyLength(3)
            .itemEmbeddingDim(4)
            .itemFields(List.of(new CategoricalField("genre", genres, 1, 2)))
            .queryHiddenSizes(List.of(8))
            .itemHiddenSizes(List.of(8))
            .outputDim(4)
            .temperature(0.05)
            .correction(LogQCorrection.PAPER)
            .maskAccidentalHits(true)
            .optimizer(Optimizer.ADAM)
            .learningRate(0.01)
            .seed(42)
            .seedItem(false)
            .build());
  }
}
