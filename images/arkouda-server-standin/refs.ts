// Prints the image references the product's manifests use by default (not Arkouda: the stand-in
// builds are imported under these names so the manifests need no change for the local node).
import { parseStackConfig } from "../../components/config/load";
import { DEFAULT_ARKOUDA_VERSION } from "../../components/config/schema";

const config = parseStackConfig({ values: {}, secretKeys: new Set() });
process.stdout.write(`server ${config.images.server}:${DEFAULT_ARKOUDA_VERSION}\n`);
process.stdout.write(`exporter ${config.images.exporter}:${DEFAULT_ARKOUDA_VERSION}\n`);
