"""bench-training's peer: the project's two-tower model in TensorFlow Recommenders.

Reads what bench-training wrote to DIR (meta.json, examples.csv, items.csv, queries.csv; lists
are space-separated indices), trains the same model on the same examples with the same protocol,
and writes DIR/peer-<seed>/: results.json (examples/s within epochs, epoch seconds, final loss,
peak resident memory), item_vectors.f32 (one row per items.csv row) and query_vectors.f32 (one
per queries.csv row), float32 little-endian, for the Java side to score with evaluate's code.

The model mirrors towers/ (TwoTowerGraphs, InBatchSoftmaxLoss, TowerConfig):
  - one item-id table (uniform(-0.05, 0.05), Keras' and the project's init) shared by the history
    and the candidate; the query input is the mean of the history's embeddings (padding weighs 0;
    an empty history gives zeros);
  - the item input is [candidate id embedding | mean of each field's value embeddings];
  - each tower: Dense(h, relu, He normal) per hidden size, Dense(d, Glorot normal), L2 norm;
  - logits u v^T / tau minus log q_j on every column (correction "paper"), accidental hits
    masked, softmax cross-entropy weighted by the reward, averaged over the batch (DL4J divides
    the summed loss by the minibatch size);
  - Adam(lr, epsilon 1e-8 as ND4J's), batch B, each epoch a new shuffle.
log q_j: TFRS clips the sampling probability to [1e-6, 1], so it is given p_j / B (the project's
p_j = B q_j under kind expected-count): the constant log B cancels in every row's softmax.
"""

import csv
import json
import os
import resource
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
import tensorflow_recommenders as tfrs  # noqa: E402


def ints(text):
    return [int(t) for t in text.split()] if text else []


def padded(lists, width):
    ids = np.zeros((len(lists), width), dtype=np.int32)
    weights = np.zeros((len(lists), width), dtype=np.float32)
    for r, values in enumerate(lists):
        values = values[:width]
        if values:
            ids[r, : len(values)] = values
            weights[r, : len(values)] = 1.0 / len(values)
    return ids, weights


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Tower(tf.keras.layers.Layer):
    def __init__(self, hidden, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.dense = [
            tf.keras.layers.Dense(h, activation="relu", kernel_initializer="he_normal")
            for h in hidden
        ]
        self.projection = tf.keras.layers.Dense(output_dim, kernel_initializer="glorot_normal")

    def call(self, x):
        for layer in self.dense:
            x = layer(x)
        return tf.math.l2_normalize(self.projection(x), axis=1)


def bag(table, ids, weights):
    """Weighted sum of table rows: the project's WeightedBagVertex."""
    return tf.reduce_sum(table(ids) * tf.expand_dims(weights, -1), axis=1)


class TwoTower(tfrs.Model):
    def __init__(self, meta):
        super().__init__()
        init = tf.keras.initializers.RandomUniform(-0.05, 0.05)
        self.fields = meta["fields"]
        self.ids = tf.keras.layers.Embedding(
            meta["item_cardinality"], meta["item_embedding_dim"], embeddings_initializer=init
        )
        self.field_tables = [
            tf.keras.layers.Embedding(f["cardinality"], f["embedding_dim"], embeddings_initializer=init)
            for f in self.fields
        ]
        self.query_tower = Tower(meta["query_hidden"], meta["output_dim"])
        self.item_tower = Tower(meta["item_hidden"], meta["output_dim"])
        self.task = tfrs.tasks.Retrieval(
            loss=tf.keras.losses.CategoricalCrossentropy(
                from_logits=True, reduction=tf.keras.losses.Reduction.SUM_OVER_BATCH_SIZE
            ),
            temperature=meta["temperature"],
            remove_accidental_hits=meta["mask_accidental_hits"],
        )
        self.correct = meta["correction"] != "none"

    def query(self, f):
        return self.query_tower(bag(self.ids, f["history"], f["history_w"]))

    def item(self, f):
        parts = [self.ids(f["item"])]
        for k, table in enumerate(self.field_tables):
            parts.append(bag(table, f["field%d" % k], f["field%d_w" % k]))
        return self.item_tower(tf.concat(parts, axis=1))

    def compute_loss(self, f, training=False):
        u = self.query(f)
        v = self.item(f)
        return self.task(
            u,
            v,
            sample_weight=f["reward"],
            candidate_sampling_probability=f["q"] if self.correct else None,
            candidate_ids=f["item"],
            compute_metrics=False,
        )


def item_features(rows, fields, key_prefix=""):
    out = {}
    for k, field in enumerate(fields):
        ids, weights = padded([ints(r[field["name"]]) for r in rows], field["max_values"])
        out["field%d" % k] = ids
        out["field%d_w" % k] = weights
    return out


class EpochTimes(tf.keras.callbacks.Callback):
    def __init__(self, epochs):
        super().__init__()
        self.seconds, self.losses, self.epochs = [], [], epochs

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)
        self.losses.append(float((logs or {}).get("loss", float("nan"))))
        print(
            "tfrs peer: epoch %d/%d, %.1f s, loss %.4f"
            % (epoch + 1, self.epochs, self.seconds[-1], self.losses[-1]),
            flush=True,
        )


def main(data, seed):
    with open(os.path.join(data, "meta.json")) as f:
        meta = json.load(f)
    tf.keras.utils.set_random_seed(seed)
    fields = meta["fields"]
    rows = read_csv(os.path.join(data, "examples.csv"))
    n = len(rows)
    history, history_w = padded([ints(r["history"]) for r in rows], meta["history_length"])
    log_p = np.array([float(r["log_p"]) for r in rows], dtype=np.float64)
    examples = {
        "history": history,
        "history_w": history_w,
        "item": np.array([int(r["item_idx"]) for r in rows], dtype=np.int32),
        "reward": np.array([float(r["reward"]) for r in rows], dtype=np.float32),
        "q": np.clip(np.exp(log_p - np.log(meta["batch_size"])), 1e-6, 1.0).astype(np.float32),
    }
    examples.update(item_features(rows, fields))
    del rows
    batch, epochs = meta["batch_size"], meta["epochs"]
    # A repeated dataset: Keras rebuilds a finite one's iterator every epoch (about 2 s each).
    dataset = (
        tf.data.Dataset.from_tensor_slices(examples)
        .shuffle(n, seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch)
        .prefetch(tf.data.AUTOTUNE)
    )
    model = TwoTower(meta)
    model.compile(optimizer=tf.keras.optimizers.Adam(meta["learning_rate"], epsilon=1e-8))
    times = EpochTimes(epochs)
    model.fit(dataset, epochs=epochs, steps_per_epoch=-(-n // batch), verbose=0, callbacks=[times])

    out = os.path.join(data, "peer-%d" % seed)
    os.makedirs(out, exist_ok=True)
    items = read_csv(os.path.join(data, "items.csv"))
    item_in = {"item": np.array([int(r["item_idx"]) for r in items], dtype=np.int32)}
    item_in.update(item_features(items, fields))
    vectors = np.concatenate(
        [
            model.item({k: v[s : s + 4096] for k, v in item_in.items()}).numpy()
            for s in range(0, len(items), 4096)
        ]
    )
    vectors.astype("<f4").tofile(os.path.join(out, "item_vectors.f32"))
    queries = read_csv(os.path.join(data, "queries.csv"))
    q_ids, q_w = padded([ints(r["history"]) for r in queries], meta["history_length"])
    vectors = np.concatenate(
        [
            model.query({"history": q_ids[s : s + 4096], "history_w": q_w[s : s + 4096]}).numpy()
            for s in range(0, len(queries), 4096)
        ]
    )
    vectors.astype("<f4").tofile(os.path.join(out, "query_vectors.f32"))
    later = times.seconds[1:] if len(times.seconds) > 1 else times.seconds
    results = {
        "examples": n,
        "epoch_seconds": times.seconds,
        "examples_per_second": float(n / np.median(later)),
        "final_loss": times.losses[-1],
        "items": len(items),
        "queries": len(queries),
        "dim": int(vectors.shape[1]) if len(queries) else meta["output_dim"],
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "tensorflow": tf.__version__,
        "tensorflow_recommenders": tfrs.__version__,
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
