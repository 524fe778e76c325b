package dev.rankwise.runtime.io;

import com.google.gson.JsonObject;
import dev.rankwise.runtime.AdapterLayer;
import java.util.Map;

/** The per-layer record of {@code adapter_config.json}: what load checks the attached layer against. */
final class LayerRecord {

  private LayerRecord() {}

  /** The layer's {@code kind}, then its {@link AdapterLayer#fileRecord()}. */
  static JsonObject of(AdapterLayer layer) {
    JsonObject record = new JsonObject();
    record.addProperty("kind", layer.config().kind());
    for (Map.Entry<String, Object> property : layer.fileRecord().entrySet()) {
      String name = property.getKey();
      Object value = property.getValue();
      if (value instanceof String text) {
        record.addProperty(name, text);
      } else if (value instanceof Boolean flag) {
        record.addProperty(name, flag);
      } else if (value instanceof Number number) {
        record.addProperty(name, number);
      } else {
        throw new IllegalStateException(
            layer.getClass().getName() + " records '" + name + "' as a "
                + (value == null ? "null" : value.getClass().getName())
                + "; a file record holds only strings, booleans and numbers");
      }
    }
    return record;
  }
}
