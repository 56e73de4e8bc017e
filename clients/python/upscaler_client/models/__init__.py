"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .admin_job import AdminJob
from .admin_job_detail import AdminJobDetail
from .admin_job_detail_engine import AdminJobDetailEngine
from .admin_job_detail_params import AdminJobDetailParams
from .admin_job_params import AdminJobParams
from .admin_register_model_body import AdminRegisterModelBody
from .admin_register_model_body_expected_scale import AdminRegisterModelBodyExpectedScale
from .admin_register_ncnn_model_body import AdminRegisterNcnnModelBody
from .admin_register_ncnn_model_body_expected_scale import AdminRegisterNcnnModelBodyExpectedScale
from .api_key_created import ApiKeyCreated
from .api_key_out import ApiKeyOut
from .artifacts_deleted import ArtifactsDeleted
from .audit_entry_out import AuditEntryOut
from .audit_entry_out_details import AuditEntryOutDetails
from .audit_page import AuditPage
from .batch_counts import BatchCounts
from .batch_job import BatchJob
from .batch_out import BatchOut
from .batch_requeue_out import BatchRequeueOut
from .batch_requeue_out_skipped import BatchRequeueOutSkipped
from .batch_status import BatchStatus
from .bulk_requeue_out import BulkRequeueOut
from .bulk_requeue_request import BulkRequeueRequest
from .choice import Choice
from .create_batch_body import CreateBatchBody
from .create_batch_body_fit import CreateBatchBodyFit
from .create_batch_body_print_size import CreateBatchBodyPrintSize
from .create_preview_body import CreatePreviewBody
from .create_upload_body import CreateUploadBody
from .create_upload_body_fit import CreateUploadBodyFit
from .create_upload_body_print_size import CreateUploadBodyPrintSize
from .crop_region import CropRegion
from .demote_out import DemoteOut
from .denoise import Denoise
from .engine_choice_out import EngineChoiceOut
from .engine_trial_out import EngineTrialOut
from .error_response import ErrorResponse
from .error_response_error_body import ErrorResponseErrorBody
from .error_response_error_body_field_problem import ErrorResponseErrorBodyFieldProblem
from .face_refinement import FaceRefinement
from .factor import Factor
from .health import Health
from .invite_out import InviteOut
from .invite_request import InviteRequest
from .job_out import JobOut
from .job_out_links import JobOutLinks
from .job_out_params import JobOutParams
from .job_page import JobPage
from .job_status import JobStatus
from .login_request import LoginRequest
from .me_out import MeOut
from .me_out_via import MeOutVia
from .model_health import ModelHealth
from .model_out import ModelOut
from .model_out_details import ModelOutDetails
from .model_preview import ModelPreview
from .model_update_request import ModelUpdateRequest
from .my_job import MyJob
from .new_api_key import NewApiKey
from .notification_out import NotificationOut
from .original_info import OriginalInfo
from .output_format import OutputFormat
from .password_change_request import PasswordChangeRequest
from .password_changed import PasswordChanged
from .password_reset_out import PasswordResetOut
from .password_reset_request import PasswordResetRequest
from .preset import Preset
from .preview import Preview
from .preview_status import PreviewStatus
from .queue_info import QueueInfo
from .register_request import RegisterRequest
from .registered import Registered
from .rejected_entry import RejectedEntry
from .requeue_out import RequeueOut
from .requeue_out_params import RequeueOutParams
from .requeue_request import RequeueRequest
from .requeued_pair import RequeuedPair
from .rescan_out import RescanOut
from .reset_confirm import ResetConfirm
from .reset_request import ResetRequest
from .result_info import ResultInfo
from .result_out import ResultOut
from .service_info import ServiceInfo
from .service_info_preset_models import ServiceInfoPresetModels
from .session_out import SessionOut
from .sessions_ended import SessionsEnded
from .settings_changes import SettingsChanges
from .settings_changes_registration_type_0 import SettingsChangesRegistrationType0
from .settings_out import SettingsOut
from .settings_out_changed import SettingsOutChanged
from .settings_out_changed_additional_property import SettingsOutChangedAdditionalProperty
from .settings_out_settings import SettingsOutSettings
from .stats_out import StatsOut
from .token_out import TokenOut
from .token_out_token_type import TokenOutTokenType
from .token_request import TokenRequest
from .upload_accepted import UploadAccepted
from .upload_choices import UploadChoices
from .upload_info import UploadInfo
from .upload_limits import UploadLimits
from .usage_out import UsageOut
from .user_api_key_out import UserApiKeyOut
from .user_create import UserCreate
from .user_create_role import UserCreateRole
from .user_created import UserCreated
from .user_out import UserOut
from .user_update import UserUpdate
from .user_update_plan_type_0 import UserUpdatePlanType0
from .user_update_role_type_0 import UserUpdateRoleType0
from .user_usage_out import UserUsageOut
from .verified import Verified
from .worker_out import WorkerOut
from .worker_out_engines import WorkerOutEngines

__all__ = (
    "Accepted",
    "AdminJob",
    "AdminJobDetail",
    "AdminJobDetailEngine",
    "AdminJobDetailParams",
    "AdminJobParams",
    "AdminRegisterModelBody",
    "AdminRegisterModelBodyExpectedScale",
    "AdminRegisterNcnnModelBody",
    "AdminRegisterNcnnModelBodyExpectedScale",
    "ApiKeyCreated",
    "ApiKeyOut",
    "ArtifactsDeleted",
    "AuditEntryOut",
    "AuditEntryOutDetails",
    "AuditPage",
    "BatchCounts",
    "BatchJob",
    "BatchOut",
    "BatchRequeueOut",
    "BatchRequeueOutSkipped",
    "BatchStatus",
    "BulkRequeueOut",
    "BulkRequeueRequest",
    "Choice",
    "CreateBatchBody",
    "CreateBatchBodyFit",
    "CreateBatchBodyPrintSize",
    "CreatePreviewBody",
    "CreateUploadBody",
    "CreateUploadBodyFit",
    "CreateUploadBodyPrintSize",
    "CropRegion",
    "DemoteOut",
    "Denoise",
    "EngineChoiceOut",
    "EngineTrialOut",
    "ErrorResponse",
    "ErrorResponseErrorBody",
    "ErrorResponseErrorBodyFieldProblem",
    "FaceRefinement",
    "Factor",
    "Health",
    "InviteOut",
    "InviteRequest",
    "JobOut",
    "JobOutLinks",
    "JobOutParams",
    "JobPage",
    "JobStatus",
    "LoginRequest",
    "MeOut",
    "MeOutVia",
    "ModelHealth",
    "ModelOut",
    "ModelOutDetails",
    "ModelPreview",
    "ModelUpdateRequest",
    "MyJob",
    "NewApiKey",
    "NotificationOut",
    "OriginalInfo",
    "OutputFormat",
    "PasswordChanged",
    "PasswordChangeRequest",
    "PasswordResetOut",
    "PasswordResetRequest",
    "Preset",
    "Preview",
    "PreviewStatus",
    "QueueInfo",
    "Registered",
    "RegisterRequest",
    "RejectedEntry",
    "RequeuedPair",
    "RequeueOut",
    "RequeueOutParams",
    "RequeueRequest",
    "RescanOut",
    "ResetConfirm",
    "ResetRequest",
    "ResultInfo",
    "ResultOut",
    "ServiceInfo",
    "ServiceInfoPresetModels",
    "SessionOut",
    "SessionsEnded",
    "SettingsChanges",
    "SettingsChangesRegistrationType0",
    "SettingsOut",
    "SettingsOutChanged",
    "SettingsOutChangedAdditionalProperty",
    "SettingsOutSettings",
    "StatsOut",
    "TokenOut",
    "TokenOutTokenType",
    "TokenRequest",
    "UploadAccepted",
    "UploadChoices",
    "UploadInfo",
    "UploadLimits",
    "UsageOut",
    "UserApiKeyOut",
    "UserCreate",
    "UserCreated",
    "UserCreateRole",
    "UserOut",
    "UserUpdate",
    "UserUpdatePlanType0",
    "UserUpdateRoleType0",
    "UserUsageOut",
    "Verified",
    "WorkerOut",
    "WorkerOutEngines",
)
