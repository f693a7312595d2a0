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
 *   <li>Query tower: history ids → shared item-id embedding → mean (a {@link
 *       io.twotower.towers.WeightedBagVertex}) → ReLU layers → linear → L2 normalisation. Item
 *       tower: the candidate's id through the same embedding table, concatenated with the mean
 *       embedding of each categorical field → ReLU layers → linear → L2 normalisation.
 *   <li>{@link io.twotower.towers.InBatchSoftmaxLoss}: in-batch softmax with the logQ correction
 *       and accidental-hit masking, written out for training as a {@code LossLayer}'s {@link
 *       io.twotower.towers.InBatchSoftmaxLossFunction} (forward and backward in plain ND4J ops);
 *       the SameDiff output layer {@link io.twotower.towers.InBatchSoftmaxLayer} defines the same
 *       loss and is what models saved before the LossLayer carry.
 *   <li>Embedding tables are {@link io.twotower.towers.SequenceEmbedding}s: DL4J's sequence
 *       embedding with a faster backward pass. The towers' layers are {@link
 *       io.twotower.towers.TowerDense}s: DL4J's dense layer with a cheaper product. Models saved
 *       with DL4J's own layers keep loading and training with them.
 *   <li>{@link io.twotower.towers.LocalTrainer} (one JVM) and {@link
 *       io.twotower.towers.SparkTrainer} (parameter averaging) fit the same graph.
 *   <li>Embeddings for serving and evaluation come from tower-only graphs that share the trained
 *       parameters by layer name ({@link io.twotower.towers.TwoTowerModel#queryEmbeddings}, {@link
 *       io.twotower.towers.TwoTowerModel#itemEmbeddings}).
 * </ul>
 */
package io.twotower.towers;
