import { parseXml } from "../../xml/parse.ts";
import { readCibDocument, type CheckInput } from "./model.ts";

/** Parses and reads a CIB (model.ts, readCibDocument), synchronously: fast-xml-parser is loaded with this module. */
export const readCibText = (text: string): CheckInput => readCibDocument(parseXml(text));
