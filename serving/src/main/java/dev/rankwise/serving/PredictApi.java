package dev.rankwise.serving;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.rankwise.runtime.infer.Prediction;
import dev.rankwise.runtime.infer.TaskText;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of {@code POST /v1/predict}: reads a request into rows, each error naming its field, and
 * writes the predictions. A request is either one task's texts or rows that each name their task:
 *
 * <pre>{@code
 * {"task": "spam", "texts": ["WIN a FREE prize", "Lunch at noon?"]}
 * {"rows": [{"task": "spam", "text": "WIN a FREE prize"}, {"task": "finefood", "text": "Stale."}]}
 * }</pre>
 *
 * The answer has one prediction per text, in order: {@code {"predictions": [{"task": "spam", "label":
 * "spam", "probability": 0.97, "probabilities": {"ham": 0.03, "spam": 0.97}}]}}.
 */
public final class PredictApi {

  static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private PredictApi() {}

  /** A request's rows, and the field each came from (for messages). */
  record Rows(List<TaskText> rows, List<String> fields) {}

  /**
   * Reads a request body into rows.
   *
   * @param maxRows the most texts one request may carry
   * @throws ApiException 400 naming the field when the body is malformed, a field is missing or of
   *     the wrong type, a text is blank, or there are too many texts (413)
   */
  static Rows read(String body, int maxRows) {
    JsonElement json = parse(body);
    if (!json.isJsonObject()) {
      throw ApiException.badRequest("body: must be a JSON object with \"task\" and \"texts\", or \"rows\"");
    }
    JsonObject request = json.getAsJsonObject();
    boolean texts = request.has("texts");
    boolean rows = request.has("rows");
    if (texts == rows) {
      throw ApiException.badRequest(texts
          ? "body: give \"texts\" (with \"task\") or \"rows\", not both"
          : "body: missing field \"texts\" (with \"task\") or \"rows\"");
    }
    List<TaskText> read = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    if (texts) {
      if (!request.has("task")) {
        throw ApiException.badRequest("task: missing; \"texts\" needs the task to label them for");
      }
      String task = string(request.get("task"), "task");
      JsonArray array = array(request.get("texts"), "texts", maxRows);
      for (int i = 0; i < array.size(); i++) {
        String field = "texts[" + i + "]";
        read.add(row(task, string(array.get(i), field), field));
        fields.add("task");
      }
    } else {
      if (request.has("task")) {
        throw ApiException.badRequest("task: not allowed with \"rows\"; each row names its own task");
      }
      JsonArray array = array(request.get("rows"), "rows", maxRows);
      for (int i = 0; i < array.size(); i++) {
        String field = "rows[" + i + "]";
        if (!array.get(i).isJsonObject()) {
          throw ApiException.badRequest(field + ": must be an object with \"task\" and \"text\"");
        }
        JsonObject row = array.get(i).getAsJsonObject();
        for (String name : List.of("task", "text")) {
          if (!row.has(name)) {
            throw ApiException.badRequest(field + "." + name + ": missing");
          }
        }
        String task = string(row.get("task"), field + ".task");
        read.add(row(task, string(row.get("text"), field + ".text"), field + ".text"));
        fields.add(field + ".task");
      }
    }
    return new Rows(read, fields);
  }

  private static JsonElement parse(String body) {
    if (body.isBlank()) {
      throw ApiException.badRequest("body: empty; send a JSON object");
    }
    try {
      JsonReader reader = new JsonReader(new StringReader(body));
      reader.setStrictness(Strictness.STRICT);
      JsonElement json = GSON.getAdapter(JsonElement.class).read(reader);
      if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
        throw new JsonParseException("text after the JSON value");
      }
      return json;
    } catch (JsonParseException | java.io.IOException | IllegalStateException | StackOverflowError e) {
      String reason = e instanceof StackOverflowError ? "nested too deeply" : e.getMessage();
      throw ApiException.badRequest("body: malformed JSON: " + reason);
    }
  }

  private static TaskText row(String task, String text, String field) {
    if (text.isBlank()) {
      throw ApiException.badRequest(field + ": blank; a text to label must not be blank, as training's must not");
    }
    return new TaskText(task, text);
  }

  private static String string(JsonElement element, String field) {
    if (element == null || !element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
      throw ApiException.badRequest(field + ": must be a string");
    }
    return element.getAsString();
  }

  private static JsonArray array(JsonElement element, String field, int maxRows) {
    if (element == null || !element.isJsonArray()) {
      throw ApiException.badRequest(field + ": must be an array");
    }
    JsonArray array = element.getAsJsonArray();
    if (array.isEmpty()) {
      throw ApiException.badRequest(field + ": empty; give at least one");
    }
    if (array.size() > maxRows) {
      throw new ApiException(413, field + ": " + array.size() + " items; at most " + maxRows + " per request");
    }
    return array;
  }

  /** The answer to a request: one prediction per row, in order. */
  static String write(List<Prediction> predictions) {
    List<Map<String, Object>> list = new ArrayList<>(predictions.size());
    for (Prediction prediction : predictions) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("task", prediction.task());
      one.put("label", prediction.label());
      one.put("probability", prediction.probability());
      Map<String, Float> byLabel = new LinkedHashMap<>();
      float[] probabilities = prediction.probabilities();
      for (int i = 0; i < probabilities.length; i++) {
        byLabel.put(prediction.labels().get(i), probabilities[i]);
      }
      one.put("probabilities", byLabel);
      list.add(one);
    }
    return GSON.toJson(Map.of("predictions", list));
  }

  /** An error body: {@code {"error": message, ...details}}. */
  static String error(String message, Map<String, Object> details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.putAll(details);
    return GSON.toJson(body);
  }
}
