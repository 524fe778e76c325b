package dev.rankwise.runtime.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an adapter folder of a task classifier says about itself beyond its adapters, so that it
 * can be served without the declaration it was trained with: the base encoder's name and the
 * settings that shape its features, and each task's labels, in the {@code rankwise} section of
 * {@code adapter_config.json} ({@code "encoder"}, {@code "encoder_settings": {...}} and {@code
 * "labels": {"<task>": ["<label 0>", ...], ...}}).
 *
 * @param encoder the name of the encoder the adapters were trained on
 * @param encoderSettings what else shapes its features ({@code TextEncoder.settings()}: pooling,
 *     text prefix, a fingerprint of its weights, the tokens per text it was trained with), strings,
 *     booleans and numbers by name; empty in folders saved before settings were recorded
 * @param labels each task's labels (index 0 first), by task name, in the order of the heads
 */
public record ClassifierRecord(
    String encoder, Map<String, Object> encoderSettings, Map<String, List<String>> labels) {

  private static final String ENCODER = "encoder";
  private static final String SETTINGS = "encoder_settings";
  private static final String LABELS = "labels";

  /** A record of an encoder that reports no settings. */
  public ClassifierRecord(String encoder, Map<String, List<String>> labels) {
    this(encoder, Map.of(), labels);
  }

  /** Validates and copies the values; the message names the value that is wrong. */
  public ClassifierRecord {
    if (encoder == null || encoder.isBlank()) {
      throw new IllegalArgumentException("the encoder's name must not be blank, got " + encoder);
    }
    Objects.requireNonNull(labels, "labels");
    if (labels.isEmpty()) {
      throw new IllegalArgumentException("labels must name at least one task");
    }
    Map<String, List<String>> copy = new LinkedHashMap<>();
    labels.forEach((task, names) -> {
      List<String> list = List.copyOf(names);
      Set<String> seen = new HashSet<>();
      for (String label : list) {
        if (label.isBlank() || !seen.add(label)) {
          throw new IllegalArgumentException("labels of task '" + task + "' must be distinct and not blank, got "
              + list);
        }
      }
      if (list.size() < 2) {
        throw new IllegalArgumentException("task '" + task + "' must have at least 2 labels, got " + list);
      }
      copy.put(task, list);
    });
    labels = Collections.unmodifiableMap(copy);
    encoderSettings = Collections.unmodifiableMap(new LinkedHashMap<>(encoderSettings));
    encoderSettings.forEach((name, value) -> {
      if (!(value instanceof String || value instanceof Boolean || value instanceof Number)) {
        throw new IllegalArgumentException("encoder setting '" + name + "' is " + value
            + "; a setting is a string, a boolean or a number");
      }
    });
  }

  /** The tasks, in order. */
  public List<String> tasks() {
    return List.copyOf(labels.keySet());
  }

  /**
   * Reads the record of the folder's {@code adapter_config.json}.
   *
   * @throws AdapterFileException if the config is missing or malformed, or was saved without the
   *     record (by a rankwise before task classifiers, or by {@code AdaptedModel.save(Path)}): the
   *     message says how to save it again
   */
  public static ClassifierRecord read(Path directory) throws IOException {
    Path file = AdapterFiles.require(directory, AdapterFiles.CONFIG_FILE);
    JsonObject rankwise = AdapterFiles.rankwiseSection(file);
    JsonElement encoder = rankwise.get(ENCODER);
    JsonElement labels = rankwise.get(LABELS);
    if (encoder == null || labels == null) {
      throw new AdapterFileException(file, "no '" + (encoder == null ? ENCODER : LABELS) + "' in its rankwise"
          + " section: these adapters were saved without their encoder's name and their tasks' labels, so"
          + " they cannot be served on their own. Save them again with TaskClassifier.save (or"
          + " AdaptedModel.save(directory, ClassifierRecord)), or train them again with this rankwise"
          + " (rankwise train --method ID)");
    }
    try {
      Map<String, List<String>> byTask = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> task : labels.getAsJsonObject().entrySet()) {
        List<String> names = new ArrayList<>();
        task.getValue().getAsJsonArray().forEach(label -> names.add(label.getAsString()));
        byTask.put(task.getKey(), names);
      }
      JsonElement saved = rankwise.get(SETTINGS);
      Map<String, Object> settings = saved == null ? Map.of() : LayerRecord.read(saved.getAsJsonObject());
      return new ClassifierRecord(encoder.getAsString(), settings, byTask);
    } catch (RuntimeException e) {
      throw new AdapterFileException(file, "malformed rankwise." + LABELS + ", rankwise." + ENCODER + " or rankwise."
          + SETTINGS
          + ": " + e.getMessage() + "; expected \"encoder\": \"name\", \"labels\": {\"task\": [\"label\", ...]}");
    }
  }

  /** Adds the record to a config's {@code rankwise} section. */
  void addTo(JsonObject rankwise) {
    rankwise.addProperty(ENCODER, encoder);
    JsonObject settings = new JsonObject();
    LayerRecord.write(encoderSettings, settings, "the encoder " + encoder);
    rankwise.add(SETTINGS, settings);
    JsonObject byTask = new JsonObject();
    labels.forEach((task, names) -> {
      JsonArray array = new JsonArray();
      names.forEach(array::add);
      byTask.add(task, array);
    });
    rankwise.add(LABELS, byTask);
  }
}
