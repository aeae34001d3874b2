//! How the generated request builders send: the facade [`Client`] is their
//! [`Sender`], paging through [`Pages`] and streaming through [`EventStream`].

use xapi_generated::runtime::{Model, Operation, RequestParts, Sender};

use crate::answer::error::Error;
use crate::answer::response::Response;
use crate::paging::pagination::Pages;
use crate::streaming::stream::EventStream;
use crate::Client;

impl Sender for Client {
    type Reply<T: Model + Send + 'static> = Response<T>;
    type Error = Error;
    type Pages<T: Model + Send + 'static> = Pages<T>;
    type Stream<T: Model + Send + 'static> = EventStream<T>;

    fn send<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> impl std::future::Future<Output = Result<Response<T>, Error>> + Send + '_ {
        self.send_operation(operation, parts)
    }

    fn paginate<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> Pages<T> {
        Pages::new(self.clone(), operation, parts)
    }

    fn open_stream<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> EventStream<T> {
        EventStream::new(self.clone(), operation, parts)
    }
}
