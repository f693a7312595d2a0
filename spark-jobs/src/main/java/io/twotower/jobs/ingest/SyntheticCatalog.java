package io.twotower.jobs.ingest;

import io.twotower.jobs.config.SyntheticConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The synthetic world's items: channels with a main topic, items with a channel and 1-3 topics, and
 * popularity-weighted samplers per topic and per channel. Small (one entry per item), built on the
 * driver from the seed alone and broadcast to the executors that simulate users.
 *
 * <p>Popularity: every item has a global rank (a random permutation); within a topic or a channel
 * the k-th most popular item (by global rank) is drawn with weight k^-zipfExponent, so the same
 * items lead wherever they appear and the overall distribution is heavy-tailed. The same law over
 * all items serves a user's occasional off-taste (trending) pick.
 *
 * <p>Drift ({@link SyntheticConfig.Drift}): each item has an upload day, 0 for the items there from
 * the start; {@link #appeal} scales its popularity weight on a given day, and users draw from the
 * static tables by rejection (accepting an item with probability its appeal), so the tables need
 * not be rebuilt per day. A static world has appeal 1 everywhere and draws nothing extra.
 */
final class SyntheticCatalog implements Serializable {

  final int topics;
  final int[] channelTopic;
  final int[] itemChannel;
  final int[][] itemTopics;

  /** Index = topic; null for a topic no item has. */
  final AliasTable[] itemsByTopic;

  final AliasTable[] itemsByChannel;

  /** All items by global rank: what a trending shelf shows everyone. */
  final AliasTable itemsOverall;

  /** Topics at least one item has: users' tastes are drawn from these. */
  final int[] populatedTopics;

  /** Index = item: the day (0-based, from the log's start) it can first be watched. */
  final int[] uploadDay;

  /** An item's pull halves every this many days after upload; 0: constant. */
  final double freshnessHalfLifeDays;

  private SyntheticCatalog(
      int topics,
      int[] channelTopic,
      int[] itemChannel,
      int[][] itemTopics,
      AliasTable[] itemsByTopic,
      AliasTable[] itemsByChannel,
      AliasTable itemsOverall,
      int[] populatedTopics,
      int[] uploadDay,
      double freshnessHalfLifeDays) {
    this.topics = topics;
    this.channelTopic = channelTopic;
    this.itemChannel = itemChannel;
    this.itemTopics = itemTopics;
    this.itemsByTopic = itemsByTopic;
    this.itemsByChannel = itemsByChannel;
    this.itemsOverall = itemsOverall;
    this.populatedTopics = populatedTopics;
    this.uploadDay = uploadDay;
    this.freshnessHalfLifeDays = freshnessHalfLifeDays;
  }

  static SyntheticCatalog build(SyntheticConfig config) {
    SplittableRandom random = new SplittableRandom(config.seed());
    int items = config.items();
    int channels = config.channels();
    int topics = config.topics();

    // Round-robin main topics so every topic has channels when channels >= topics.
    int[] channelTopic = IntStream.range(0, channels).map(c -> c % topics).toArray();

    int[] itemChannel = new int[items];
    int[][] itemTopics = new int[items][];
    for (int i = 0; i < items; i++) {
      // The first `channels` items give every channel at least one item.
      itemChannel[i] = i < channels ? i : random.nextInt(channels);
      itemTopics[i] = topicsOf(channelTopic[itemChannel[i]], topics, random);
    }
    int[] popularityRank = shuffledRange(items, random);

    List<List<Integer>> byTopic = groups(topics);
    List<List<Integer>> byChannel = groups(channels);
    for (int i = 0; i < items; i++) {
      for (int t : itemTopics[i]) {
        byTopic.get(t).add(i);
      }
      byChannel.get(itemChannel[i]).add(i);
    }
    AliasTable[] itemsByTopic = new AliasTable[topics];
    for (int t = 0; t < topics; t++) {
      itemsByTopic[t] = zipf(byTopic.get(t), popularityRank, config.zipfExponent());
    }
    AliasTable[] itemsByChannel = new AliasTable[channels];
    for (int c = 0; c < channels; c++) {
      itemsByChannel[c] = zipf(byChannel.get(c), popularityRank, config.zipfExponent());
    }
    AliasTable itemsOverall =
        zipf(IntStream.range(0, items).boxed().toList(), popularityRank, config.zipfExponent());
    int[] populated = IntStream.range(0, topics).filter(t -> itemsByTopic[t] != null).toArray();
    return new SyntheticCatalog(
        topics,
        channelTopic,
        itemChannel,
        itemTopics,
        itemsByTopic,
        itemsByChannel,
        itemsOverall,
        populated,
        uploadDays(config),
        config.drift().freshnessHalfLifeDays());
  }

  int items() {
    return itemChannel.length;
  }

  /**
   * The factor in [0, 1] on {@code item}'s popularity weight on {@code day}: 0 before its upload,
   * then 1 halving every freshness half-life.
   */
  double appeal(int item, int day) {
    int age = day - uploadDay[item];
    if (age < 0) {
      return 0;
    }
    return freshnessHalfLifeDays == 0 ? 1 : Math.pow(0.5, age / freshnessHalfLifeDays);
  }

  /**
   * Upload days: new items (drawn with probability newItemShare, never one of the first {@code
   * channels}, so every channel has an item from day 0) get a uniform day in [1, days). From an RNG
   * of their own, so a static world's catalog is the one without drift.
   */
  private static int[] uploadDays(SyntheticConfig config) {
    int[] days = new int[config.items()];
    double share = config.drift().newItemShare();
    if (share == 0 || config.days() < 2) {
      return days;
    }
    SplittableRandom random = new SplittableRandom(SyntheticUser.mix(config.seed(), -1));
    for (int i = config.channels(); i < days.length; i++) {
      if (random.nextDouble() < share) {
        days[i] = 1 + random.nextInt(config.days() - 1);
      }
    }
    return days;
  }

  /** The channel's main topic plus 0-2 other distinct topics. */
  private static int[] topicsOf(int mainTopic, int topics, SplittableRandom random) {
    int wanted = Math.min(topics, 1 + random.nextInt(3));
    int[] chosen = new int[wanted];
    chosen[0] = mainTopic;
    int count = 1;
    while (count < wanted) {
      int t = random.nextInt(topics);
      if (!contains(chosen, count, t)) {
        chosen[count++] = t;
      }
    }
    return chosen;
  }

  private static boolean contains(int[] values, int length, int value) {
    for (int k = 0; k < length; k++) {
      if (values[k] == value) {
        return true;
      }
    }
    return false;
  }

  private static int[] shuffledRange(int n, SplittableRandom random) {
    int[] values = IntStream.range(0, n).toArray();
    for (int k = n - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      int swap = values[k];
      values[k] = values[j];
      values[j] = swap;
    }
    return values;
  }

  private static List<List<Integer>> groups(int n) {
    List<List<Integer>> groups = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      groups.add(new ArrayList<>());
    }
    return groups;
  }

  /** Items ordered by global rank, the k-th (1-based) weighted k^-exponent; null when empty. */
  private static AliasTable zipf(List<Integer> members, int[] popularityRank, double exponent) {
    if (members.isEmpty()) {
      return null;
    }
    int[] ordered =
        members.stream()
            .sorted(Comparator.comparingInt(i -> popularityRank[i]))
            .mapToInt(Integer::intValue)
            .toArray();
    double[] weights = new double[ordered.length];
    Arrays.setAll(weights, k -> Math.pow(k + 1, -exponent));
    return new AliasTable(ordered, weights);
  }
}
