package dev.rankwise.runtime.io;

import com.google.gson.JsonObject;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Optional;

/** The per-layer record of {@code adapter_config.json}: what load checks the attached layer against. */
final class LayerRecord {

  private LayerRecord() {}

  static JsonObject of(AdapterLayer layer) {
    AdapterConfig config = layer.config();
    JsonObject record = new JsonObject();
    record.addProperty("kind", config.kind());
    if (config instanceof LoraConfig lora) {
      record.addProperty("rank_a", lora.rankA());
      record.addProperty("rank_b", lora.rankB());
      record.addProperty("scaling", lora.scaling());
      record.addProperty("mixer", lora.mixer().name());
      record.addProperty("dropout", lora.dropout());
      record.addProperty("per_task", lora.perTask());
    } else if (config instanceof RankExpertsConfig experts) {
      record.addProperty("count", experts.count());
      record.addProperty("top_k", experts.topK());
      record.addProperty("scaling", experts.scaling());
      record.addProperty("dropout", experts.dropout());
      record.addProperty("balance", experts.balance());
      Optional<TaskRouterConfig> router = ((RankExpertsLinear) layer).router();
      record.addProperty("routing", router.isPresent() ? "TASK" : "TOKEN");
      record.addProperty("adaptive", router.map(TaskRouterConfig::adaptive).orElse(false));
      record.addProperty("contrastive", router.map(TaskRouterConfig::contrastive).orElse(0.0));
    }
    return record;
  }
}
