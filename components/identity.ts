/**
 * Who the workflows and Arkouda act as: two ServiceAccounts, each with namespaced Roles that
 * grant exactly what they use. Declared by Pulumi, not by a workflow step, so a deploy never
 * needs permission to write RBAC.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions, typeToken } from "./component";
import { ARKOUDA_GRANTS } from "./arkouda-grants";
import { Grant, policyRules } from "./rbac";

export interface WorkflowIdentityArgs {
    /** Namespace the workflows run in. */
    readonly namespace: pulumi.Input<string>;
    /** ServiceAccount the workflows run as. Default from config: `arkouda-workflows`. */
    readonly serviceAccountName: string;
    /** What the workflow steps touch; the Role grants exactly these (see `workflowGrants`). */
    readonly grants: readonly Grant[];
    /** The cluster's provider; nothing here uses the ambient default provider. */
    readonly provider: k8s.Provider;
    /** Labels added to every object. */
    readonly labels: Record<string, string>;
}

/** The ServiceAccount Argo runs the four workflows as, with a Role limited to what they touch. */
export class WorkflowIdentity extends pulumi.ComponentResource {
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: WorkflowIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("identity", "WorkflowIdentity"), name, {}, opts);
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: args.labels });
        const account = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: metadata(args.serviceAccountName),
            },
            childOptions(this, args.provider, opts),
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: metadata(args.serviceAccountName),
                rules: policyRules(args.grants),
            },
            childOptions(this, args.provider, opts),
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-role-binding`,
            {
                metadata: metadata(args.serviceAccountName),
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
            },
            childOptions(this, args.provider, opts),
        );
        this.serviceAccountName = account.metadata.name;
        this.roleName = role.metadata.name;
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, roleName: this.roleName });
    }
}

export interface ArkoudaIdentityArgs {
    readonly namespace: pulumi.Input<string>;
    /** ServiceAccount the Arkouda server pod runs as (ARKOUDA_SERVICEACCOUNT_NAME). Default `arkouda`. */
    readonly serviceAccountName: string;
    /** Its bearer-token Secret (ARKOUDA_SERVICEACCOUNT_TOKEN_NAME). Default `<serviceAccountName>-token`. */
    readonly tokenSecretName: string;
    readonly provider: k8s.Provider;
    readonly labels: Record<string, string>;
}

/** Role name suffix and grants, one Role per thing Arkouda does with the API. */
export const ARKOUDA_ROLES: readonly { readonly suffix: string; readonly grants: readonly Grant[] }[] = [
    { suffix: "pod-discovery", grants: ARKOUDA_GRANTS.podDiscovery },
    { suffix: "service-registration", grants: ARKOUDA_GRANTS.serviceRegistration },
];

/**
 * The Arkouda server's identity: a ServiceAccount with token automount off (the token is
 * mounted explicitly from its Secret at /opt/sa), the token Secret, and its Roles.
 */
export class ArkoudaIdentity extends pulumi.ComponentResource {
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly tokenSecretName: pulumi.Output<string>;
    public readonly roleNames: pulumi.Output<string[]>;

    constructor(name: string, args: ArkoudaIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("identity", "ArkoudaIdentity"), name, {}, opts);
        const child = () => childOptions(this, args.provider, opts);
        const account = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: { name: args.serviceAccountName, namespace: args.namespace, labels: args.labels },
                automountServiceAccountToken: false,
            },
            child(),
        );
        // The token controller fills in `token` and `ca.crt`; Pulumi only declares the Secret.
        const token = new k8s.core.v1.Secret(
            `${name}-token`,
            {
                metadata: {
                    name: args.tokenSecretName,
                    namespace: args.namespace,
                    labels: args.labels,
                    annotations: { "kubernetes.io/service-account.name": account.metadata.name },
                },
                type: "kubernetes.io/service-account-token",
            },
            childOptions(this, args.provider, opts, { dependsOn: [account] }),
        );
        const roles = ARKOUDA_ROLES.map(({ suffix, grants }) => {
            const roleName = `${args.serviceAccountName}-${suffix}`;
            const role = new k8s.rbac.v1.Role(
                `${name}-${suffix}`,
                {
                    metadata: { name: roleName, namespace: args.namespace, labels: args.labels },
                    rules: policyRules(grants),
                },
                child(),
            );
            new k8s.rbac.v1.RoleBinding(
                `${name}-${suffix}`,
                {
                    metadata: { name: roleName, namespace: args.namespace, labels: args.labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                    subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
                },
                child(),
            );
            return role.metadata.name;
        });
        this.serviceAccountName = account.metadata.name;
        this.tokenSecretName = token.metadata.name;
        this.roleNames = pulumi.all(roles);
        this.registerOutputs({
            serviceAccountName: this.serviceAccountName,
            tokenSecretName: this.tokenSecretName,
            roleNames: this.roleNames,
        });
    }
}
