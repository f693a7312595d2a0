/**
 * The two-tower retrieval model of Yi et al., RecSys 2019, on DeepLearning4J.
 *
 * <p>How the pieces fit:
 *
 * <ul>
 *   <li>{@link io.twotower.towers.TowerConfig} defines a model; {@link
 *       io.twotower.towers.TwoTowerModel#create} builds its training graph through the pure factory
 *       {@code TwoTowerGraphs}.
 *   <li>{@link io.twotower.towers.TowerBatcher} encodes {@link io.twotower.towers.TowerExample}s
 *       into that graph's inputs and labels; the layout is documented on {@code TwoTowerGraphs}.
 *   <li>Query tower: history ids → mean of their rows in the shared item-id table → ReLU layers →
 *       linear → L2 normalisation. Item tower: the candidate's row of the same table, concatenated
 *       with the mean embedding of each categorical field → ReLU layers → linear → L2
 *       normalisation. Every table and its means are one {@link
 *       io.twotower.towers.BagOfIdsEmbedding} layer, which pools rows straight from the table; the
 *       training graph pools history and candidate from one such layer.
 *   <li>{@link io.twotower.towers.InBatchSoftmaxLoss}: in-batch softmax with the logQ correction
 *       and accidental-hit masking, written out for training as a {@code LossLayer}'s {@link
 *       io.twotower.towers.InBatchSoftmaxLossFunction} (forward and backward in plain ND4J ops);
 *       the SameDiff output layer {@link io.twotower.towers.InBatchSoftmaxLayer} defines the same
 *       loss and is what models saved before the LossLayer carry.
 *   <li>The towers' layers are {@link io.twotower.towers.TowerDense}s: DL4J's dense layer with a
 *       cheaper product. Models saved by earlier versions, whose JSON names the layers of their day
 *       (DL4J's dense layer, {@link io.twotower.towers.SequenceEmbedding}, {@link
 *       io.twotower.towers.WeightedBagVertex}), load into today's layers with their parameters,
 *       optimizer state and step count ({@link io.twotower.towers.TwoTowerModel#load}).
 *   <li>{@link io.twotower.towers.LocalTrainer} (one JVM) and {@link
 *       io.twotower.towers.SparkTrainer} (parameter averaging) fit the same graph.
 *   <li>Embeddings for serving and evaluation come from tower-only graphs that share the trained
 *       parameters by layer name ({@link io.twotower.towers.TwoTowerModel#queryEmbeddings}, {@link
 *       io.twotower.towers.TwoTowerModel#itemEmbeddings}).
 * </ul>
 */
package io.twotower.towers;
