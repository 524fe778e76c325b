package dev.rankwise.runtime.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The declaration an adapter folder was saved with, rebuilt from the per-layer records of its
 * {@code adapter_config.json}: every recorded layer becomes a target rule on its exact block path
 * with the recorded kind and settings, under the recorded tasks, so the folder attaches to its base
 * without the type that declared it, and the load's check that each record equals its attached
 * layer holds by construction.
 *
 * <p>A record keeps the scaling, not {@code alpha} and {@code rsLora}: the rebuilt config has the
 * {@code alpha} (and, for a scaling only rank-stabilised LoRA gives, {@code rsLora}) that gives the
 * recorded scaling bit for bit, so the forward pass is the same; saved again as PEFT LoRA, its
 * {@code lora_alpha} is that alpha, which PEFT scales the same way.
 */
public final class SavedSpec {

  private static final String LORA = "LORA";
  private static final String RANK_EXPERTS = "RANK_EXPERTS";
  private static final int ALPHA_ULPS = 4;

  private SavedSpec() {}

  /**
   * The declaration of the adapters saved in {@code directory}.
   *
   * @throws AdapterFileException if the config is missing, is not rankwise's (a PEFT file), or a
   *     record is malformed or of an unknown kind
   */
  public static AdapterSpec read(Path directory) throws IOException {
    Path file = AdapterFiles.require(directory, AdapterFiles.CONFIG_FILE);
    JsonObject rankwise = AdapterFiles.rankwiseSection(file);
    try {
      List<String> tasks = new ArrayList<>();
      if (rankwise.has("tasks")) {
        rankwise.getAsJsonArray("tasks").forEach(task -> tasks.add(task.getAsString()));
      }
      AdapterSpec.Builder builder = AdapterSpec.builder(rankwise.get("declaring_type").getAsString());
      Routing routing = new Routing(file);
      for (Map.Entry<String, JsonElement> layer : rankwise.getAsJsonObject("layers").entrySet()) {
        String path = layer.getKey();
        builder.target(config(file, path, layer.getValue().getAsJsonObject(), !tasks.isEmpty(), routing), path);
      }
      if (!tasks.isEmpty()) {
        builder.optTaskRouter(new TaskRouterConfig(tasks, routing.adaptive, routing.contrastive));
      }
      return builder.build();
    } catch (RuntimeException e) {
      throw new AdapterFileException(file, "malformed rankwise section: " + e.getMessage());
    }
  }

  private static AdapterConfig config(Path file, String path, JsonObject record, boolean routed, Routing routing)
      throws AdapterFileException {
    String kind = text(record, "kind", path);
    double scaling = number(record, "scaling", path).doubleValue();
    double dropout = number(record, "dropout", path).doubleValue();
    if (kind.equals(LORA)) {
      boolean perTask = record.get("per_task").getAsBoolean();
      if (perTask && !routed) {
        throw new AdapterFileException(file, "layer '" + path + "' holds per-task LoRA but the config names no"
            + " tasks (rankwise.tasks)");
      }
      return lora(number(record, "rank_a", path).intValue(), number(record, "rank_b", path).intValue(), scaling,
          dropout, Mixer.valueOf(text(record, "mixer", path)), perTask);
    }
    if (kind.equals(RANK_EXPERTS)) {
      boolean byTask = text(record, "routing", path).equals("TASK");
      if (byTask != routed) {
        throw new AdapterFileException(file, "layer '" + path + "' routes by " + text(record, "routing", path)
            + " but the config " + (routed ? "names" : "names no") + " tasks (rankwise.tasks)");
      }
      if (byTask) {
        routing.add(path, record.get("adaptive").getAsBoolean(), number(record, "contrastive", path).doubleValue());
      }
      return experts(number(record, "count", path).intValue(), number(record, "top_k", path).intValue(), scaling,
          dropout, number(record, "balance", path).doubleValue());
    }
    throw new AdapterFileException(file, "layer '" + path + "' holds adapter kind '" + kind + "', which this"
        + " rankwise does not know (it knows " + LORA + " and " + RANK_EXPERTS + ")");
  }

  /**
   * The LoRA config with these values whose {@link LoraConfig#scaling()} is exactly {@code
   * scaling}: the alpha over the rank, else (a scaling that only rank-stabilised LoRA gives) the
   * alpha over its square root with {@code rsLora} on.
   *
   * @throws IllegalArgumentException if no alpha gives the scaling exactly
   */
  static LoraConfig lora(int rankA, int rankB, double scaling, double dropout, Mixer mixer, boolean perTask) {
    int rank = Math.min(rankA, rankB);
    double alpha = scaling == 1 ? 0 : exactAlpha(scaling, rank);
    boolean rsLora = Double.isNaN(alpha);
    if (rsLora) {
      alpha = exactAlpha(scaling, Math.sqrt(rank));
    }
    requireAlpha(alpha, scaling);
    return new LoraConfig(rankA, rankB, alpha, dropout, mixer, rsLora, perTask);
  }

  /**
   * The rank-experts config with these values whose {@link RankExpertsConfig#scaling()} is exactly
   * {@code scaling}.
   *
   * @throws IllegalArgumentException if no alpha gives the scaling exactly
   */
  static RankExpertsConfig experts(int count, int topK, double scaling, double dropout, double balance) {
    double alpha = scaling == 1 ? 0 : exactAlpha(scaling, topK);
    requireAlpha(alpha, scaling);
    return new RankExpertsConfig(count, topK, alpha, dropout, balance);
  }

  /** An alpha with {@code alpha / divisor == scaling} exactly, a few ulps around the product; NaN if none. */
  private static double exactAlpha(double scaling, double divisor) {
    double down = scaling * divisor;
    double up = down;
    for (int ulps = 0; ulps <= ALPHA_ULPS; ulps++) {
      if (down / divisor == scaling) {
        return down;
      }
      if (up / divisor == scaling) {
        return up;
      }
      down = Math.nextDown(down);
      up = Math.nextUp(up);
    }
    return Double.NaN;
  }

  private static void requireAlpha(double alpha, double scaling) {
    if (Double.isNaN(alpha)) {
      throw new IllegalArgumentException("no alpha gives the recorded scaling " + scaling + " exactly");
    }
  }

  private static Number number(JsonObject record, String key, String path) {
    return field(record, key, path).getAsNumber();
  }

  private static String text(JsonObject record, String key, String path) {
    return field(record, key, path).getAsString();
  }

  private static JsonElement field(JsonObject record, String key, String path) {
    JsonElement value = record.get(key);
    if (value == null || value.isJsonNull()) {
      throw new IllegalArgumentException("layer '" + path + "' has no '" + key + "'");
    }
    return value;
  }

  /** The task router's settings, which every task-routed experts layer records and must agree on. */
  private static final class Routing {
    private final Path file;
    private String first;
    private boolean adaptive;
    private double contrastive;

    Routing(Path file) {
      this.file = file;
    }

    void add(String path, boolean adaptive, double contrastive) throws AdapterFileException {
      if (first == null) {
        first = path;
        this.adaptive = adaptive;
        this.contrastive = contrastive;
      } else if (this.adaptive != adaptive || this.contrastive != contrastive) {
        throw new AdapterFileException(file, "layers '" + first + "' and '" + path + "' record different task"
            + " routing (adaptive " + this.adaptive + " vs " + adaptive + ", contrastive " + this.contrastive
            + " vs " + contrastive + "); one declaration has one router");
      }
    }
  }
}
