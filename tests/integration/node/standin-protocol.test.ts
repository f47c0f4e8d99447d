/**
 * The server stand-in's wire protocol (contract/protocol.ts) on the host, registering with the
 * real local kube-apiserver ($KUBECONFIG) under a ServiceAccount token with the grants the
 * program gives Arkouda: the suite tests/unit/standin-protocol.test.ts runs against a fake API.
 */
import * as fs from "fs";
import { createNamespace, createObject, deleteNamespace, getObject, kubeconfig, kubectl, requireTools, run, tempDir } from "../argo/kube";
import { protocolSuite, SuiteContext } from "../../lib/standin-protocol-suite";
import { PYTHON } from "./standin-lib";

const RUN_ID = process.env.ARKOUDA_IT_RUN_ID ?? Math.random().toString(36).slice(2, 7);
const NS = `standin-proto-${RUN_ID}`;

describe("stand-in wire protocol on the host, registering with the kube-apiserver (not Arkouda)", function () {
    this.timeout(180_000);
    let ctx: SuiteContext;
    let dir: string;

    before(async function () {
        requireTools("kubectl");
        kubeconfig();
        const zmq = await run(PYTHON, ["-c", "import zmq"], { check: false });
        if (zmq.code !== 0)
            throw new Error(`${PYTHON} cannot import zmq: apt-get install -y python3-zmq (the stand-ins speak ZeroMQ as Arkouda does)`);
        dir = tempDir("standin-proto-");
        const url = (await kubectl(["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"])).stdout.trim();
        await createNamespace(NS);
        await createObject({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "arkouda" } }, NS);
        await createObject(
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: "registration" },
                rules: [
                    { apiGroups: [""], resources: ["services"], verbs: ["get", "list", "create", "delete"] },
                    { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "create"] },
                ],
            },
            NS,
        );
        await createObject(
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: "registration" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "registration" },
                subjects: [{ kind: "ServiceAccount", name: "arkouda", namespace: NS }],
            },
            NS,
        );
        const token = (await kubectl(["create", "token", "arkouda", "-n", NS, "--duration=1h"])).stdout.trim();
        ctx = {
            dir,
            api: { url, namespace: NS, token, serviceExists: async (name) => (await getObject("service", name, NS)) !== undefined },
        };
    });

    after(async function () {
        if (process.env.ARKOUDA_IT_KEEP_NAMESPACE !== "1") await deleteNamespace(NS);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    protocolSuite(() => ctx);
});
