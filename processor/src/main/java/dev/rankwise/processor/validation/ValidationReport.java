package dev.rankwise.processor.validation;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/** The errors and warnings a validator collected for one declaration; it prints them, never throws. */
public final class ValidationReport {

  /** One error or warning, positioned at element, annotation and value where they are known. */
  public record Item(
      Diagnostic.Kind kind, String message, Element element, AnnotationMirror annotation,
      AnnotationValue value) {}

  private final List<Item> items = new ArrayList<>();

  /** Adds an error. */
  public void error(String message, Element element, AnnotationMirror annotation, AnnotationValue value) {
    items.add(new Item(Diagnostic.Kind.ERROR, message, element, annotation, value));
  }

  /** Adds a warning: the declaration still generates. */
  public void warning(String message, Element element, AnnotationMirror annotation, AnnotationValue value) {
    items.add(new Item(Diagnostic.Kind.WARNING, message, element, annotation, value));
  }

  /** The collected errors, in the order found. */
  public List<Item> items() {
    return List.copyOf(items);
  }

  /** Whether no error was found (warnings allowed). */
  public boolean isClean() {
    return items.stream().noneMatch(item -> item.kind() == Diagnostic.Kind.ERROR);
  }

  /** Prints every error. */
  public void printTo(Messager messager) {
    for (Item item : items) {
      if (item.annotation() == null) {
        messager.printMessage(item.kind(), item.message(), item.element());
      } else if (item.value() == null) {
        messager.printMessage(item.kind(), item.message(), item.element(), item.annotation());
      } else {
        messager.printMessage(item.kind(), item.message(), item.element(), item.annotation(), item.value());
      }
    }
  }
}
