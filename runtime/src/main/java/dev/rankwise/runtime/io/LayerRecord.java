package dev.rankwise.runtime.io;

import com.google.gson.JsonObject;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.lora.LoraConfig;

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
    }
    return record;
  }
}
