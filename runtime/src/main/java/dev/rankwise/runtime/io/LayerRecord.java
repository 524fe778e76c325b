package dev.rankwise.runtime.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.rankwise.runtime.AdapterLayer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The per-layer record of {@code adapter_config.json}: what load checks the attached layer against. */
final class LayerRecord {

  private LayerRecord() {}

  /** The layer's {@code kind}, then its {@link AdapterLayer#fileRecord()}. */
  static JsonObject of(AdapterLayer layer) {
    JsonObject record = new JsonObject();
    record.addProperty("kind", layer.config().kind());
    write(layer.fileRecord(), record, layer.getClass().getName());
    return record;
  }

  /**
   * Adds flat settings (strings, booleans and numbers by name) to {@code target}; {@code owner}
   * names who gave them in the error for any other value.
   */
  static void write(Map<String, Object> settings, JsonObject target, String owner) {
    for (Map.Entry<String, Object> property : settings.entrySet()) {
      String name = property.getKey();
      Object value = property.getValue();
      if (value instanceof String text) {
        target.addProperty(name, text);
      } else if (value instanceof Boolean flag) {
        target.addProperty(name, flag);
      } else if (value instanceof Number number) {
        target.addProperty(name, number);
      } else {
        throw new IllegalStateException(
            owner + " records '" + name + "' as a "
                + (value == null ? "null" : value.getClass().getName())
                + "; a file record holds only strings, booleans and numbers");
      }
    }
  }

  /** A saved record's settings (its {@code kind} included) as strings, booleans and numbers by name. */
  static Map<String, Object> read(JsonObject record) {
    Map<String, Object> settings = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> setting : record.entrySet()) {
      if (!setting.getValue().isJsonPrimitive()) {
        throw new IllegalArgumentException("'" + setting.getKey() + "' is " + setting.getValue()
            + "; a layer record holds only strings, booleans and numbers");
      }
      JsonPrimitive value = setting.getValue().getAsJsonPrimitive();
      settings.put(setting.getKey(), value.isBoolean() ? (Object) value.getAsBoolean()
          : value.isNumber() ? value.getAsNumber() : value.getAsString());
    }
    return settings;
  }
}
