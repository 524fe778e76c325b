package dev.rankwise.processor.validation;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/** The errors a validator collected for one declaration; it prints them, it never throws. */
public final class ValidationReport {

  /** One error, positioned at element, annotation and value where they are known. */
  public record Item(String message, Element element, AnnotationMirror annotation, AnnotationValue value) {}

  private final List<Item> items = new ArrayList<>();

  /** Adds an error. */
  public void error(String message, Element element, AnnotationMirror annotation, AnnotationValue value) {
    items.add(new Item(message, element, annotation, value));
  }

  /** The collected errors, in the order found. */
  public List<Item> items() {
    return List.copyOf(items);
  }

  /** Whether no error was found. */
  public boolean isClean() {
    return items.isEmpty();
  }

  /** Prints every error. */
  public void printTo(Messager messager) {
    for (Item item : items) {
      if (item.annotation() == null) {
        messager.printMessage(Diagnostic.Kind.ERROR, item.message(), item.element());
      } else if (item.value() == null) {
        messager.printMessage(Diagnostic.Kind.ERROR, item.message(), item.element(), item.annotation());
      } else {
        messager.printMessage(
            Diagnostic.Kind.ERROR, item.message(), item.element(), item.annotation(), item.value());
      }
    }
  }
}
