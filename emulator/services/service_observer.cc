#include "emulator/services/service_observer.h"

namespace fanlab::services {

void ServiceObserverList::OnServiceEvent(const ServiceEvent& event) {
  for (ServiceObserver* o : observers_) o->OnServiceEvent(event);
}

}  // namespace fanlab::services
